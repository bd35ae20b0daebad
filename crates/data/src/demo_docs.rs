//! The demo congress's documents: their folders, who may read them, and their text page by
//! page (the server renders them to PDF or DOCX and uploads them like the secretariat would).
//!
//! The browser tests rely on one fact: in "Báo cáo chính trị" the phrase "chuyển đổi số toàn
//! diện" is on page 4 and on no other page of any demo document.

pub enum Format {
    Pdf,
    Docx,
}

pub struct DemoVersion {
    pub label: &'static str,
    pub note: &'static str,
    pub format: Format,
    pub pages: Vec<String>,
}

pub struct DemoDoc {
    pub folder: &'static str,
    pub title: &'static str,
    /// public, delegates, presidium or groups.
    pub access: &'static str,
    pub groups: &'static str,
    pub confidential: bool,
    pub versions: Vec<DemoVersion>,
}

const REPORT: [(&str, &[&str]); 8] = [
    (
        "I. ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN NGHỊ QUYẾT ĐẠI HỘI NHIỆM KỲ 2020 - 2025",
        &[
            "Nhiệm kỳ qua, Đảng bộ tỉnh đã lãnh đạo toàn Đảng bộ, chính quyền và nhân dân trong tỉnh vượt qua nhiều khó khăn, thách thức, đạt được những kết quả quan trọng trên hầu hết các lĩnh vực.",
            "Tốc độ tăng trưởng kinh tế bình quân đạt 7,2%/năm; quy mô nền kinh tế năm 2025 gấp 1,5 lần năm 2020.",
            "Cơ cấu kinh tế chuyển dịch đúng hướng, tỷ trọng công nghiệp - xây dựng và dịch vụ tăng dần.",
            "Thu ngân sách nhà nước trên địa bàn vượt dự toán hằng năm; đầu tư công được triển khai quyết liệt.",
        ],
    ),
    (
        "II. CÔNG TÁC XÂY DỰNG ĐẢNG VÀ HỆ THỐNG CHÍNH TRỊ",
        &[
            "Công tác xây dựng, chỉnh đốn Đảng được chú trọng; năng lực lãnh đạo, sức chiến đấu của tổ chức cơ sở đảng được nâng lên.",
            "Công tác cán bộ được thực hiện chặt chẽ, dân chủ, công khai; đội ngũ cán bộ được trẻ hoá, chuẩn hoá.",
            "Công tác kiểm tra, giám sát và thi hành kỷ luật đảng được tăng cường, góp phần giữ nghiêm kỷ cương.",
            "Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội phát huy vai trò tập hợp, đoàn kết nhân dân.",
        ],
    ),
    (
        "III. VĂN HOÁ, XÃ HỘI, GIÁO DỤC VÀ Y TẾ",
        &[
            "Chất lượng giáo dục và đào tạo được nâng lên; tỷ lệ trường đạt chuẩn quốc gia tăng.",
            "Hệ thống y tế cơ sở được củng cố; tỷ lệ dân số tham gia bảo hiểm y tế đạt 93,5%.",
            "Công tác giảm nghèo bền vững đạt kết quả tích cực; đời sống vật chất và tinh thần của nhân dân được cải thiện.",
            "Các giá trị văn hoá truyền thống được bảo tồn và phát huy gắn với phát triển du lịch.",
        ],
    ),
    (
        "IV. PHƯƠNG HƯỚNG, MỤC TIÊU NHIỆM KỲ 2025 - 2030",
        &[
            "Mục tiêu tổng quát: xây dựng Đảng bộ và hệ thống chính trị trong sạch, vững mạnh; phát triển nhanh và bền vững.",
            "Thúc đẩy chuyển đổi số toàn diện trong các cơ quan đảng, chính quyền, doanh nghiệp và đời sống xã hội; phát triển chính quyền số, kinh tế số và xã hội số.",
            "Huy động mọi nguồn lực đầu tư kết cấu hạ tầng đồng bộ, hiện đại, nhất là giao thông và đô thị.",
            "Phát triển nguồn nhân lực chất lượng cao, đáp ứng yêu cầu của giai đoạn phát triển mới.",
        ],
    ),
    (
        "V. NHIỆM VỤ VÀ GIẢI PHÁP PHÁT TRIỂN KINH TẾ",
        &[
            "Tập trung cơ cấu lại các ngành kinh tế theo hướng nâng cao năng suất, chất lượng và sức cạnh tranh.",
            "Phát triển công nghiệp chế biến, chế tạo; thu hút các dự án công nghệ cao, thân thiện môi trường.",
            "Phát triển nông nghiệp hàng hoá, nông nghiệp hữu cơ gắn với xây dựng nông thôn mới nâng cao.",
            "Cải thiện mạnh mẽ môi trường đầu tư, kinh doanh; hỗ trợ doanh nghiệp nhỏ và vừa.",
        ],
    ),
    (
        "VI. QUỐC PHÒNG, AN NINH VÀ ĐỐI NGOẠI",
        &[
            "Xây dựng khu vực phòng thủ tỉnh vững chắc; giữ vững an ninh chính trị, trật tự an toàn xã hội.",
            "Nâng cao hiệu quả công tác đối ngoại, mở rộng hợp tác với các địa phương trong và ngoài nước.",
            "Chủ động phòng ngừa, đấu tranh với các loại tội phạm; bảo đảm an toàn giao thông.",
        ],
    ),
    (
        "VII. XÂY DỰNG ĐẢNG BỘ TRONG SẠCH, VỮNG MẠNH",
        &[
            "Tiếp tục đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh.",
            "Đổi mới phương thức lãnh đạo của Đảng; nâng cao chất lượng sinh hoạt chi bộ.",
            "Xây dựng đội ngũ cán bộ các cấp, nhất là cán bộ chủ chốt, đủ phẩm chất, năng lực và uy tín.",
        ],
    ),
    (
        "VIII. TỔ CHỨC THỰC HIỆN",
        &[
            "Sau Đại hội, các cấp uỷ, tổ chức đảng xây dựng chương trình hành động cụ thể để thực hiện Nghị quyết.",
            "Ban Thường vụ Tỉnh uỷ chỉ đạo, kiểm tra, giám sát việc thực hiện; định kỳ sơ kết, tổng kết.",
            "Đại hội kêu gọi toàn Đảng bộ, toàn dân và toàn quân trong tỉnh đoàn kết, nỗ lực thực hiện thắng lợi Nghị quyết Đại hội.",
        ],
    ),
];

fn pages_of(sections: &[(&str, &[&str])]) -> Vec<String> {
    sections
        .iter()
        .map(|(head, paras)| {
            let mut p = vec![head.to_string()];
            p.extend(paras.iter().map(|s| s.to_string()));
            p.join("\n")
        })
        .collect()
}

fn resolution(second: bool) -> Vec<String> {
    let mut p = vec![
        "NGHỊ QUYẾT ĐẠI HỘI ĐẠI BIỂU ĐẢNG BỘ TỈNH\nĐại hội thống nhất thông qua Báo cáo chính trị của Ban Chấp hành Đảng bộ tỉnh trình Đại hội.".to_string(),
        "Các chỉ tiêu chủ yếu đến năm 2030:\nTốc độ tăng trưởng kinh tế bình quân 8,5%/năm trở lên.\nTỷ lệ đô thị hoá đạt 45%.\nTỷ lệ hộ nghèo giảm bình quân 1%/năm.".to_string(),
    ];
    if second {
        p.push("Bổ sung theo ý kiến thảo luận của các tổ:\nTỷ lệ lao động qua đào tạo đạt 75%.\nTỷ lệ dân số tham gia bảo hiểm y tế đạt 96%.".to_string());
    }
    p
}

pub fn documents() -> Vec<DemoDoc> {
    vec![
        DemoDoc {
            folder: "Báo cáo chính trị",
            title: "Báo cáo chính trị",
            access: "delegates",
            groups: "",
            confidential: false,
            versions: vec![DemoVersion {
                label: "Trình Đại hội",
                note: "",
                format: Format::Pdf,
                pages: pages_of(&REPORT),
            }],
        },
        DemoDoc {
            folder: "Dự thảo nghị quyết",
            title: "Dự thảo Nghị quyết Đại hội",
            access: "delegates",
            groups: "",
            confidential: false,
            versions: vec![
                DemoVersion {
                    label: "Dự thảo 1",
                    note: "",
                    format: Format::Docx,
                    pages: resolution(false),
                },
                DemoVersion {
                    label: "Dự thảo 2",
                    note: "Bổ sung hai chỉ tiêu theo ý kiến thảo luận của các tổ.",
                    format: Format::Docx,
                    pages: resolution(true),
                },
            ],
        },
        DemoDoc {
            folder: "Quy chế, chương trình",
            title: "Quy chế làm việc của Đại hội",
            access: "public",
            groups: "",
            confidential: false,
            versions: vec![DemoVersion {
                label: "",
                note: "",
                format: Format::Pdf,
                pages: vec![
                    "QUY CHẾ LÀM VIỆC CỦA ĐẠI HỘI\nĐiều 1. Đại biểu dự Đại hội có mặt đúng giờ, mang thẻ đại biểu.\nĐiều 2. Đại biểu phát biểu theo sự điều hành của Đoàn Chủ tịch.".into(),
                    "Điều 3. Biểu quyết bằng thiết bị điện tử hoặc giơ thẻ đại biểu.\nĐiều 4. Bầu cử bằng phiếu kín theo quy định của Điều lệ Đảng.".into(),
                ],
            }],
        },
        DemoDoc {
            folder: "Tài liệu Đoàn Chủ tịch",
            title: "Dự kiến nhân sự Ban Chấp hành khoá mới",
            access: "presidium",
            groups: "",
            confidential: true,
            versions: vec![DemoVersion {
                label: "",
                note: "",
                format: Format::Pdf,
                pages: vec![
                    "DỰ KIẾN NHÂN SỰ BAN CHẤP HÀNH KHOÁ MỚI\nTài liệu mật, chỉ dùng trong Đoàn Chủ tịch.\nCơ cấu: 53 đồng chí, trong đó nữ 15%, dưới 40 tuổi 10%.".into(),
                ],
            }],
        },
        DemoDoc {
            folder: "Tài liệu thảo luận",
            title: "Gợi ý thảo luận tại Tổ 1",
            access: "groups",
            groups: "Tổ 1",
            confidential: false,
            versions: vec![DemoVersion {
                label: "",
                note: "",
                format: Format::Docx,
                pages: vec![
                    "GỢI Ý THẢO LUẬN TẠI TỔ 1\nĐề nghị các đồng chí cho ý kiến về các chỉ tiêu kinh tế - xã hội và giải pháp thực hiện.".into(),
                ],
            }],
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_phrase_is_on_page_4_of_the_report_only() {
        let mut places = Vec::new();
        for d in documents() {
            for v in &d.versions {
                for (i, p) in v.pages.iter().enumerate() {
                    if p.contains("chuyển đổi số toàn diện") {
                        places.push((d.title, i + 1));
                    }
                }
            }
        }
        assert_eq!(places, [("Báo cáo chính trị", 4)]);
    }
}

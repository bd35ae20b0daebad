//! `daihoi demo`: a realistic provincial Party congress, created once in the data
//! directory, and one sign-in link per role.

use std::sync::Arc;

use daihoi_app::usecases::SetupInput;
use daihoi_app::{App, Principal, Subject};
use daihoi_domain::Role;
use daihoi_domain::model::{Account, Delegate, DelegateKind};

use chrono::FixedOffset;

/// The accounts the demo creates besides the administrator: (user name, display name, role).
const STAFF: &[(&str, &str, Role)] = &[
    ("chutich", "Đoàn Chủ tịch Đại hội", Role::Presidium),
    ("thuky", "Đoàn Thư ký Đại hội", Role::Secretariat),
    ("kiemphieu", "Ban Kiểm phiếu", Role::CountingCommittee),
    ("kiosk-cong-chinh", "Kiosk cổng chính", Role::Kiosk),
    (
        "man-hinh-hoi-truong",
        "Màn hình hội trường",
        Role::HallScreen,
    ),
];

fn admin_principal(a: &Account) -> Principal {
    Principal {
        subject: Subject::Account(a.id),
        role: a.role,
        display_name: a.display_name.clone(),
        csrf: None,
    }
}

/// Create the demo congress if the store is empty. Returns false when it already existed.
pub async fn seed(app: &Arc<App>) -> anyhow::Result<bool> {
    if !app.needs_setup() {
        return Ok(false);
    }
    let vn = FixedOffset::east_opt(7 * 3600).ok_or_else(|| anyhow::anyhow!("time zone"))?;
    let today = app.now().with_timezone(&vn).date_naive();
    let demo = daihoi_data::demo::provincial_party_congress(today, 2026);
    let password = random_password();
    let e = |e: daihoi_domain::Error| anyhow::anyhow!("demo: {e}");
    let admin_id = app
        .setup(&SetupInput {
            congress: demo.congress.clone(),
            username: "admin".into(),
            display_name: "Quản trị hệ thống".into(),
            password: password.clone(),
        })
        .await
        .map_err(e)?;
    let admin = app
        .read(|s| s.account(admin_id).cloned())
        .ok_or_else(|| anyhow::anyhow!("admin missing"))?;
    let p = admin_principal(&admin);
    for s in &demo.sessions {
        let id = app.add_session(&p, &s.input).await.map_err(e)?;
        for item in &s.items {
            app.add_item(&p, id, item).await.map_err(e)?;
        }
    }
    app.import_rows(&p, "demo", demo.delegates.clone())
        .await
        .map_err(e)?;
    for (user, name, role) in STAFF {
        let pw = role.is_staff().then(random_password);
        app.create_account(&p, user, name, *role, pw.as_deref())
            .await
            .map_err(e)?;
    }
    seed_voting(app, &p).await.map_err(e)?;
    seed_documents(app, &p).await?;
    app.announce(&p, "Kính mời các đồng chí đại biểu có mặt tại Hội trường lớn trước 07 giờ 15 phút để làm thủ tục điểm danh.")
        .await
        .map_err(e)?;
    Ok(true)
}

/// The demo's documents, uploaded as the secretariat would (their text is extracted in the
/// background once the server runs).
async fn seed_documents(app: &Arc<App>, p: &Principal) -> anyhow::Result<()> {
    use daihoi_data::demo_docs::{Format, documents};
    let e = |e: daihoi_domain::Error| anyhow::anyhow!("demo documents: {e}");
    for d in documents() {
        let folder = match app.read(|s| s.docs().folder_by_name(d.folder).map(|f| f.id)) {
            Some(f) => f,
            None => app.create_folder(p, d.folder).await.map_err(e)?,
        };
        let input = daihoi_domain::docs::DocInput {
            title: d.title.into(),
            folder: folder.to_string(),
            access: d.access.into(),
            groups: d.groups.into(),
            confidential: d.confidential,
            items: Vec::new(),
        };
        let mut id = None;
        for v in d.versions {
            let (bytes, ext) = match v.format {
                Format::Pdf => (daihoi_docs::write::text_pdf(d.title, &v.pages)?, "pdf"),
                Format::Docx => (daihoi_docs::write::docx(&v.pages), "docx"),
            };
            let file = daihoi_app::usecases::Upload {
                name: format!("{}.{ext}", d.title),
                bytes,
            };
            match id {
                None => {
                    id = Some(
                        app.upload_document(p, &input, file, v.label, v.note)
                            .await
                            .map_err(e)?,
                    )
                }
                Some(doc) => {
                    app.add_version(p, doc, file, v.label, v.note)
                        .await
                        .map_err(e)?;
                }
            }
        }
    }
    Ok(())
}

/// The 25 main targets of the demo resolution, voted in one batch.
const TARGETS: [&str; 25] = [
    "Tốc độ tăng trưởng kinh tế (GRDP) bình quân 8,5%/năm trở lên",
    "GRDP bình quân đầu người đến năm 2030 đạt 120 triệu đồng trở lên",
    "Tỷ trọng công nghiệp - xây dựng trong GRDP đạt 45%",
    "Tỷ trọng dịch vụ trong GRDP đạt 38%",
    "Tổng vốn đầu tư toàn xã hội 5 năm đạt 450 nghìn tỷ đồng",
    "Thu ngân sách nhà nước trên địa bàn tăng bình quân 10%/năm",
    "Kim ngạch xuất khẩu đạt 5 tỷ USD vào năm 2030",
    "Tỷ lệ đô thị hoá đạt 45%",
    "Tỷ lệ xã đạt chuẩn nông thôn mới nâng cao đạt 60%",
    "Kinh tế số chiếm 25% GRDP",
    "Tỷ lệ lao động qua đào tạo đạt 75%, có bằng cấp, chứng chỉ 35%",
    "Tỷ lệ hộ nghèo theo chuẩn đa chiều giảm bình quân 1%/năm",
    "Số bác sĩ đạt 15 người/vạn dân",
    "Số giường bệnh đạt 38 giường/vạn dân",
    "Tỷ lệ dân số tham gia bảo hiểm y tế đạt 96%",
    "Tỷ lệ trường học đạt chuẩn quốc gia đạt 85%",
    "Tỷ lệ dân cư nông thôn dùng nước sạch đạt 70%",
    "Tỷ lệ che phủ rừng duy trì 42%",
    "Tỷ lệ chất thải rắn đô thị được thu gom, xử lý đạt 98%",
    "Tỷ lệ khu công nghiệp có hệ thống xử lý nước thải tập trung đạt 100%",
    "Tỷ lệ thủ tục hành chính giải quyết trực tuyến toàn trình đạt 80%",
    "Chỉ số năng lực cạnh tranh cấp tỉnh (PCI) thuộc nhóm 20 tỉnh dẫn đầu",
    "Hằng năm kết nạp 2.500 đảng viên mới trở lên",
    "Trên 90% tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên",
    "Xây dựng khu vực phòng thủ tỉnh vững chắc; giữ vững an ninh chính trị",
];

/// B from the credentials report (every official delegate), and draft polls on the
/// agenda items that are voted on.
async fn seed_voting(app: &Arc<App>, p: &Principal) -> daihoi_domain::Result<()> {
    use daihoi_domain::poll::PollInput;
    let officials = app.read(|s| {
        s.delegates()
            .filter(|d| d.fields.kind == DelegateKind::Official)
            .count() as u64
    });
    app.record_base(
        p,
        officials,
        "Báo cáo thẩm tra tư cách đại biểu (dữ liệu mẫu)",
    )
    .await?;
    let item = |title: &str| {
        app.read(|s| {
            s.sessions()
                .into_iter()
                .flat_map(|x| s.items_of(x.id))
                .find(|i| i.fields.title.starts_with(title))
                .map(|i| i.id.0.to_string())
        })
        .unwrap_or_default()
    };
    let polls = [
        (
            "Thông qua Chương trình Đại hội",
            "Thông qua chương trình",
            "named",
            String::new(),
        ),
        (
            "Thông qua Quy chế làm việc của Đại hội",
            "Thông qua chương trình",
            "named",
            String::new(),
        ),
        (
            "Thông qua Báo cáo thẩm tra tư cách đại biểu",
            "Biểu quyết thông qua Báo cáo thẩm tra",
            "named",
            String::new(),
        ),
        (
            "Các chỉ tiêu chủ yếu nhiệm kỳ 2025–2030",
            "Thông qua Nghị quyết Đại hội",
            "secret",
            TARGETS.join("\n"),
        ),
        (
            "Thông qua Nghị quyết Đại hội",
            "Thông qua Nghị quyết Đại hội",
            "named",
            String::new(),
        ),
    ];
    for (title, on, mode, questions) in polls {
        app.create_poll(
            p,
            &PollInput {
                item_id: item(on),
                title: title.into(),
                questions,
                mode: mode.into(),
                ..Default::default()
            },
        )
        .await?;
    }
    Ok(())
}

fn random_password() -> String {
    use base64_like::encode;
    encode(&daihoi_app::auth::random_bytes::<15>())
}

mod base64_like {
    /// URL-safe, unambiguous password text from random bytes.
    pub fn encode(bytes: &[u8]) -> String {
        const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        bytes
            .iter()
            .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
            .collect()
    }
}

/// One `ROLE: URL` line per role: admin, presidium, secretariat, three delegates, kiosk,
/// hall screen (and the counting committee).
pub fn links(app: &App) -> Vec<(String, String)> {
    app.read(|s| {
        let mut out = Vec::new();
        let mut by_role = |role: Role| {
            if let Some(a) = s.accounts().find(|a| a.role == role && a.active) {
                out.push((role.as_str().to_string(), app.link_url(a)));
            }
        };
        for r in [
            Role::Admin,
            Role::Presidium,
            Role::Secretariat,
            Role::CountingCommittee,
        ] {
            by_role(r);
        }
        let mut delegates: Vec<&Delegate> = s
            .delegates()
            .filter(|d| d.fields.kind == DelegateKind::Official)
            .collect();
        delegates.sort_by(|a, b| a.fields.code.cmp(&b.fields.code));
        for d in delegates.into_iter().take(3) {
            out.push(("delegate".to_string(), app.qr_url(d)));
        }
        for r in [Role::Kiosk, Role::HallScreen] {
            if let Some(a) = s.accounts().find(|a| a.role == r && a.active) {
                out.push((r.as_str().to_string(), app.link_url(a)));
            }
        }
        out
    })
}

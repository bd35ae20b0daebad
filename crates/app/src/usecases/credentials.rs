//! The credentials report (báo cáo thẩm tra tư cách đại biểu): figures, structure of the delegates, PDF and DOCX.

use super::App;

impl App {}

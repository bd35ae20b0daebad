//! Decisions about documents and folders.

use chrono::{DateTime, Utc};

use super::{CongressState, MAX_NAME, MAX_NOTES};
use crate::docs::{DocFields, DocLibrary, Document, Extraction, StoredFile, TextInfo, VersionInfo};
use crate::error::{Error, Result};
use crate::event::Event;
use crate::model::{DocumentId, FolderId};
use crate::text;

pub const MAX_LABEL: usize = 100;

impl CongressState {
    pub fn docs(&self) -> &DocLibrary {
        &self.docs
    }

    fn document_or_404(&self, id: DocumentId) -> Result<&Document> {
        self.docs
            .document(id)
            .ok_or(Error::NotFound { what: "document" })
    }

    fn check_doc_fields(&self, fields: &DocFields) -> Result<()> {
        if let Some(f) = fields.folder
            && self.docs.folder(f).is_none()
        {
            return Err(Error::invalid("folder", "unknown_folder"));
        }
        if fields.items.iter().any(|i| self.item(*i).is_none()) {
            return Err(Error::invalid("items", "unknown_item"));
        }
        Ok(())
    }

    pub fn decide_create_folder(&self, name: &str) -> Result<(FolderId, Vec<Event>)> {
        let name = text::required_line("name", name, MAX_NAME)?;
        if self.docs.folder_by_name(&name).is_some() {
            return Err(Error::conflict("FOLDER_EXISTS"));
        }
        let id = FolderId(self.new_id(0));
        Ok((id, vec![Event::FolderCreated { id, name }]))
    }

    pub fn decide_rename_folder(&self, id: FolderId, name: &str) -> Result<Vec<Event>> {
        if self.docs.folder(id).is_none() {
            return Err(Error::NotFound { what: "folder" });
        }
        let name = text::required_line("name", name, MAX_NAME)?;
        if self.docs.folder_by_name(&name).is_some_and(|f| f.id != id) {
            return Err(Error::conflict("FOLDER_EXISTS"));
        }
        Ok(vec![Event::FolderRenamed { id, name }])
    }

    pub fn decide_remove_folder(&self, id: FolderId) -> Result<Vec<Event>> {
        if self.docs.folder(id).is_none() {
            return Err(Error::NotFound { what: "folder" });
        }
        if self.docs.documents().any(|d| d.fields.folder == Some(id)) {
            return Err(Error::conflict("FOLDER_NOT_EMPTY"));
        }
        Ok(vec![Event::FolderRemoved { id }])
    }

    /// A new document with its first version.
    pub fn decide_add_document(
        &self,
        fields: DocFields,
        file: StoredFile,
        label: &str,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<(DocumentId, Vec<Event>)> {
        self.check_doc_fields(&fields)?;
        let version = version_info(1, file, label, note, now)?;
        let id = DocumentId(self.new_id(0));
        Ok((
            id,
            vec![
                Event::DocumentAdded {
                    id,
                    fields,
                    at: now,
                },
                Event::DocumentVersionAdded { doc: id, version },
            ],
        ))
    }

    pub fn decide_edit_document(&self, id: DocumentId, fields: DocFields) -> Result<Vec<Event>> {
        self.document_or_404(id)?;
        self.check_doc_fields(&fields)?;
        Ok(vec![Event::DocumentEdited { id, fields }])
    }

    pub fn decide_remove_document(&self, id: DocumentId) -> Result<Vec<Event>> {
        self.document_or_404(id)?;
        Ok(vec![Event::DocumentRemoved { id }])
    }

    pub fn decide_add_version(
        &self,
        doc: DocumentId,
        file: StoredFile,
        label: &str,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<(u32, Vec<Event>)> {
        let d = self.document_or_404(doc)?;
        let no = d.versions.iter().map(|v| v.info.no).max().unwrap_or(0) + 1;
        let version = version_info(no, file, label, note, now)?;
        Ok((no, vec![Event::DocumentVersionAdded { doc, version }]))
    }

    /// The background extraction finished (or failed). Only for a version still pending:
    /// a result that arrives twice (a restart resumed the job) changes nothing.
    pub fn decide_extraction_result(
        &self,
        doc: DocumentId,
        version: u32,
        result: std::result::Result<TextInfo, (String, String)>,
    ) -> Result<Vec<Event>> {
        let d = self.document_or_404(doc)?;
        let v = d
            .version(version)
            .ok_or(Error::NotFound { what: "version" })?;
        if v.extraction != Extraction::Pending {
            return Err(Error::conflict("EXTRACTION_FINISHED"));
        }
        Ok(vec![match result {
            Ok(text) => Event::DocumentTextExtracted { doc, version, text },
            Err((code, detail)) => Event::DocumentExtractionFailed {
                doc,
                version,
                code,
                detail,
            },
        }])
    }

    /// An access to a confidential document, for the audit log.
    pub fn decide_document_read(
        &self,
        doc: DocumentId,
        version: u32,
        how: &str,
        page: Option<u32>,
    ) -> Result<Vec<Event>> {
        self.document_or_404(doc)?;
        Ok(vec![Event::DocumentRead {
            doc,
            version,
            how: how.to_string(),
            page,
        }])
    }
}

fn version_info(
    no: u32,
    file: StoredFile,
    label: &str,
    note: &str,
    now: DateTime<Utc>,
) -> Result<VersionInfo> {
    let label = text::optional_line("label", label, MAX_LABEL)?;
    let note = text::optional_text("note", note, MAX_NOTES)?;
    let name = text::clean_line(&file.name);
    Ok(VersionInfo {
        no,
        label,
        note,
        file: StoredFile { name, ..file },
        at: now,
    })
}

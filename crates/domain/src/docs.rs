//! Congress documents: folders, documents with versions, who may read them, and the state of
//! their text extraction. The files themselves are blobs in the store, named here by their
//! SHA-256; the extracted text is a blob too (JSON, one string per page).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::event::Event;
use crate::model::{Delegate, DocumentId, FolderId, ItemId};
use crate::role::Role;
use crate::text;

pub const MAX_TITLE: usize = 300;
pub const MAX_GROUP_NAMES: usize = 100;

/// Who may read a document. Staff who manage documents (admin, secretariat) and the presidium
/// read everything.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "level", rename_all = "snake_case")]
pub enum Access {
    /// Everyone signed in, guests included.
    Public,
    /// Delegates and staff.
    Delegates,
    /// The presidium (and the staff who manage documents).
    Presidium,
    /// Delegates of the named delegations (đoàn) or discussion groups (tổ).
    Groups { names: Vec<String> },
}

impl Access {
    pub fn level(&self) -> &'static str {
        match self {
            Access::Public => "public",
            Access::Delegates => "delegates",
            Access::Presidium => "presidium",
            Access::Groups { .. } => "groups",
        }
    }

    /// The tokens the search index stores with each page of the document; a reader sees a
    /// page when one of its tokens is among the reader's ([`Scope::Tokens`]).
    pub fn tokens(&self) -> Vec<String> {
        match self {
            Access::Groups { names } => names.iter().map(|n| group_token(n)).collect(),
            other => vec![other.level().to_string()],
        }
    }
}

/// "Tổ 2" → "group:to_2": folded, without spaces (the index stores tokens verbatim).
fn group_token(name: &str) -> String {
    format!("group:{}", text::fold(name).replace(' ', "_"))
}

/// What one reader may see: everything, or the documents carrying one of these tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Tokens(Vec<String>),
    /// Not allowed to read documents at all (kiosk, hall screen).
    Nothing,
}

impl Scope {
    pub fn of(role: Role, delegate: Option<&Delegate>) -> Scope {
        match role {
            Role::Admin | Role::Secretariat | Role::Presidium => Scope::All,
            Role::Kiosk | Role::HallScreen => Scope::Nothing,
            Role::Guest => Scope::Tokens(vec!["public".into()]),
            Role::CountingCommittee | Role::Delegate => {
                let mut t = vec!["public".to_string(), "delegates".to_string()];
                if let Some(d) = delegate {
                    for name in [&d.fields.delegation, &d.fields.group] {
                        if !name.is_empty() {
                            t.push(group_token(name));
                        }
                    }
                }
                Scope::Tokens(t)
            }
        }
    }

    pub fn permits(&self, access: &Access) -> bool {
        match self {
            Scope::All => true,
            Scope::Nothing => false,
            Scope::Tokens(mine) => access.tokens().iter().any(|t| mine.contains(t)),
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Folder {
    pub id: FolderId,
    pub name: String,
}

/// A document's editable fields.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocFields {
    pub title: String,
    pub folder: Option<FolderId>,
    pub access: Access,
    /// Watermarked with the reader's name and code on every page shown or downloaded, and
    /// every access recorded in the audit log.
    pub confidential: bool,
    /// Agenda items the document belongs to.
    pub items: Vec<ItemId>,
}

/// A stored file, as uploaded.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFile {
    /// Hex SHA-256 of the bytes (the blob's address).
    pub sha256: String,
    /// The file name as uploaded (NFC, without folders).
    pub name: String,
    /// What the bytes are (sniffed, not taken from the name): pdf, docx, jpeg, png, tiff, webp.
    pub kind: String,
    pub size: u64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    /// 1, 2, 3… in upload order.
    pub no: u32,
    /// "Dự thảo 1", "Chính thức"…; empty means "version N".
    pub label: String,
    /// What changed since the previous version.
    pub note: String,
    pub file: StoredFile,
    pub at: DateTime<Utc>,
}

/// The text taken out of a version.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextInfo {
    /// Hex SHA-256 of the text blob: JSON array of NFC strings, one per page.
    pub blob: String,
    pub pages: u32,
    /// text_layer, docx or ocr.
    pub method: String,
    /// A legacy Vietnamese encoding the text was converted from (tcvn3, vni).
    pub legacy: Option<String>,
    /// For scans: the searchable PDF made from them, shown and downloaded as the pages.
    pub pdf: Option<StoredFile>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Extraction {
    Pending,
    Done(TextInfo),
    Failed { code: String, detail: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Version {
    pub info: VersionInfo,
    pub extraction: Extraction,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Document {
    pub id: DocumentId,
    pub fields: DocFields,
    pub versions: Vec<Version>,
    pub added_at: DateTime<Utc>,
}

impl Document {
    pub fn latest(&self) -> Option<&Version> {
        self.versions.last()
    }
    pub fn version(&self, no: u32) -> Option<&Version> {
        self.versions.iter().find(|v| v.info.no == no)
    }
    /// The newest version whose text is ready: what search and the reading view show.
    pub fn readable(&self) -> Option<(&Version, &TextInfo)> {
        self.versions
            .iter()
            .rev()
            .find_map(|v| match &v.extraction {
                Extraction::Done(t) => Some((v, t)),
                _ => None,
            })
    }
}

/// Documents and folders of the congress, built from events.
#[derive(Debug, Clone, Default)]
pub struct DocLibrary {
    pub(crate) folders: BTreeMap<FolderId, Folder>,
    pub(crate) documents: BTreeMap<DocumentId, Document>,
}

impl DocLibrary {
    pub fn folders(&self) -> Vec<&Folder> {
        let mut v: Vec<&Folder> = self.folders.values().collect();
        v.sort_by_key(|f| crate::state::natural_key(&f.name));
        v
    }
    pub fn folder(&self, id: FolderId) -> Option<&Folder> {
        self.folders.get(&id)
    }
    pub fn folder_by_name(&self, name: &str) -> Option<&Folder> {
        let key = text::fold(name);
        self.folders.values().find(|f| text::fold(&f.name) == key)
    }
    pub fn documents(&self) -> impl Iterator<Item = &Document> {
        self.documents.values()
    }
    pub fn document(&self, id: DocumentId) -> Option<&Document> {
        self.documents.get(&id)
    }
    /// Versions whose text extraction has not finished (to resume after a restart).
    pub fn pending(&self) -> Vec<(DocumentId, u32)> {
        self.documents
            .values()
            .flat_map(|d| {
                d.versions
                    .iter()
                    .filter(|v| v.extraction == Extraction::Pending)
                    .map(move |v| (d.id, v.info.no))
            })
            .collect()
    }

    pub(crate) fn apply(&mut self, event: &Event) {
        match event {
            Event::FolderCreated { id, name } | Event::FolderRenamed { id, name } => {
                self.folders.insert(
                    *id,
                    Folder {
                        id: *id,
                        name: name.clone(),
                    },
                );
            }
            Event::FolderRemoved { id } => {
                self.folders.remove(id);
            }
            Event::DocumentAdded { id, fields, at } => {
                self.documents.insert(
                    *id,
                    Document {
                        id: *id,
                        fields: fields.clone(),
                        versions: Vec::new(),
                        added_at: *at,
                    },
                );
            }
            Event::DocumentEdited { id, fields } => {
                if let Some(d) = self.documents.get_mut(id) {
                    d.fields = fields.clone();
                }
            }
            Event::DocumentRemoved { id } => {
                self.documents.remove(id);
            }
            Event::DocumentVersionAdded { doc, version } => {
                if let Some(d) = self.documents.get_mut(doc) {
                    d.versions.push(Version {
                        info: version.clone(),
                        extraction: Extraction::Pending,
                    });
                }
            }
            Event::DocumentTextExtracted { doc, version, text } => {
                self.set_extraction(*doc, *version, Extraction::Done(text.clone()));
            }
            Event::DocumentExtractionFailed {
                doc,
                version,
                code,
                detail,
            } => self.set_extraction(
                *doc,
                *version,
                Extraction::Failed {
                    code: code.clone(),
                    detail: detail.clone(),
                },
            ),
            _ => {}
        }
    }

    fn set_extraction(&mut self, doc: DocumentId, no: u32, e: Extraction) {
        if let Some(v) = self
            .documents
            .get_mut(&doc)
            .and_then(|d| d.versions.iter_mut().find(|v| v.info.no == no))
        {
            v.extraction = e;
        }
    }
}

/// Document fields as a form or the API sends them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DocInput {
    pub title: String,
    /// Folder id, or empty for none.
    #[serde(default)]
    pub folder: String,
    /// public, delegates, presidium or groups.
    #[serde(default)]
    pub access: String,
    /// For `groups`: delegation or group names, one per line or separated by commas.
    #[serde(default)]
    pub groups: String,
    #[serde(default)]
    pub confidential: bool,
    /// Agenda item ids.
    #[serde(default)]
    pub items: Vec<String>,
}

impl DocInput {
    pub fn parse(&self) -> Result<DocFields> {
        let title = text::required_line("title", &self.title, MAX_TITLE)?;
        let folder = match self.folder.trim() {
            "" => None,
            s => Some(
                s.parse::<FolderId>()
                    .map_err(|_| Error::invalid("folder", "not_a_number"))?,
            ),
        };
        let access = match self.access.trim() {
            "" | "delegates" => Access::Delegates,
            "public" => Access::Public,
            "presidium" => Access::Presidium,
            "groups" => {
                let mut names: Vec<String> = self
                    .groups
                    .split(['\n', ','])
                    .map(text::clean_line)
                    .filter(|s| !s.is_empty())
                    .collect();
                names.dedup();
                if names.is_empty() {
                    return Err(Error::invalid("groups", "required"));
                }
                if names.len() > MAX_GROUP_NAMES {
                    return Err(Error::invalid("groups", "too_many"));
                }
                Access::Groups { names }
            }
            _ => return Err(Error::invalid("access", "unknown_access")),
        };
        let mut items = Vec::new();
        for s in self
            .items
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
        {
            let id = s
                .parse::<ItemId>()
                .map_err(|_| Error::invalid("items", "not_a_number"))?;
            if !items.contains(&id) {
                items.push(id);
            }
        }
        Ok(DocFields {
            title,
            folder,
            access,
            confidential: self.confidential,
            items,
        })
    }
}

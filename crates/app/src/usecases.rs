//! The use cases. Each one: authorise, decide through the domain, append durably (the
//! engine publishes the notice after commit), return what the caller needs to render.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use daihoi_domain::model::*;
use daihoi_domain::state::{CongressInput, Direction, ImportSummary, ItemInput, SessionInput};
use daihoi_domain::{Capability, CongressState, Error, Event, Result, Role, text};
use daihoi_store::Store;
use serde::Deserialize;

use crate::auth::{self, Keys, Principal, Subject};
use crate::clock::Clock;
use crate::engine::Engine;
use crate::i18n::Catalogue;

/// Counts attempts per key in fixed windows; used for sign-in.
struct RateLimiter {
    window: chrono::Duration,
    max: u32,
    hits: Mutex<HashMap<String, (DateTime<Utc>, u32)>>,
}

impl RateLimiter {
    fn new(max: u32, window: chrono::Duration) -> Self {
        RateLimiter {
            window,
            max,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Record one attempt; Err when the key is over its limit.
    fn hit(&self, key: &str, now: DateTime<Utc>) -> Result<()> {
        let mut hits = self
            .hits
            .lock()
            .map_err(|_| Error::Storage("rate limiter lock".into()))?;
        if hits.len() > 100_000 {
            let window = self.window;
            hits.retain(|_, (start, _)| now - *start < window);
        }
        let e = hits.entry(key.to_string()).or_insert((now, 0));
        if now - e.0 >= self.window {
            *e = (now, 0);
        }
        e.1 += 1;
        if e.1 > self.max {
            Err(Error::RateLimited)
        } else {
            Ok(())
        }
    }

    fn clear(&self, key: &str) {
        if let Ok(mut hits) = self.hits.lock() {
            hits.remove(key);
        }
    }
}

/// First-run setup: the congress and its first administrator.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SetupInput {
    #[serde(flatten)]
    pub congress: CongressInput,
    pub username: String,
    pub display_name: String,
    pub password: String,
}

/// A signed-in session to hand to the browser.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub cookie: String,
    pub role: Role,
    pub max_age: chrono::Duration,
}

pub struct App {
    pub engine: Arc<Engine>,
    pub clock: Arc<dyn Clock>,
    pub keys: Keys,
    pub catalogue: Arc<Catalogue>,
    /// The address delegates' phones reach the server at, used in QR codes and links.
    pub public_url: String,
    by_user: RateLimiter,
    by_client: RateLimiter,
    pub(crate) docs: Arc<crate::docs::DocService>,
}

const SIGNING_KEY: &str = "signing_key";

impl App {
    pub async fn open(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        public_url: &str,
    ) -> Result<Arc<App>> {
        let key = store
            .init_meta(SIGNING_KEY, &auth::random_bytes::<32>())
            .await
            .map_err(|e| Error::Storage(e.to_string()))?;
        let keys = Keys::from_bytes(&key)?;
        let engine = Engine::open(store).await?;
        let catalogue = Arc::new(Catalogue::load().map_err(Error::Storage)?);
        Ok(Arc::new(App {
            engine,
            clock,
            keys,
            catalogue,
            public_url: public_url.trim_end_matches('/').to_string(),
            by_user: RateLimiter::new(10, chrono::Duration::minutes(5)),
            by_client: RateLimiter::new(60, chrono::Duration::minutes(5)),
            docs: Arc::new(crate::docs::DocService::new()?),
        }))
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn read<R>(&self, f: impl FnOnce(&CongressState) -> R) -> R {
        self.engine.read(f)
    }

    /// Authorise, then decide and append. Returns the decision's value.
    async fn exec<T>(
        &self,
        p: &Principal,
        cap: Capability,
        f: impl FnOnce(&CongressState, DateTime<Utc>) -> Result<(T, Vec<Event>)>,
    ) -> Result<T> {
        p.require(cap)?;
        let now = self.now();
        Ok(self.engine.execute(&p.actor(), now, |s| f(s, now)).await?.0)
    }

    async fn exec_unit(
        &self,
        p: &Principal,
        cap: Capability,
        f: impl FnOnce(&CongressState, DateTime<Utc>) -> Result<Vec<Event>>,
    ) -> Result<()> {
        self.exec(p, cap, |s, now| Ok(((), f(s, now)?))).await
    }

    // ----- setup and congress ----------------------------------------------------------

    pub fn needs_setup(&self) -> bool {
        self.read(|s| s.accounts().next().is_none())
    }

    /// Create the congress and the first administrator, once.
    pub async fn setup(&self, input: &SetupInput) -> Result<AccountId> {
        text::password(&input.password)?;
        let hash = auth::hash_password(&input.password)?;
        let now = self.now();
        let (id, _) = self
            .engine
            .execute(&Actor::System, now, |s| {
                if s.accounts().next().is_some() {
                    return Err(Error::conflict("ALREADY_SET_UP"));
                }
                let mut events = s.decide_configure(&input.congress)?;
                let mut tmp = s.clone();
                for e in &events {
                    tmp.apply(e);
                }
                let (id, more) = tmp.decide_create_account(
                    &input.username,
                    &input.display_name,
                    Role::Admin,
                    Some(hash),
                )?;
                events.extend(more);
                Ok((id, events))
            })
            .await?;
        Ok(id)
    }

    pub async fn configure_congress(&self, p: &Principal, input: &CongressInput) -> Result<()> {
        self.exec_unit(p, Capability::ManageCongress, |s, _| {
            s.decide_configure(input)
        })
        .await
    }

    // ----- program -------------------------------------------------------------------

    pub async fn add_session(&self, p: &Principal, input: &SessionInput) -> Result<SessionId> {
        self.exec(p, Capability::EditProgram, |s, _| {
            s.decide_add_session(input)
        })
        .await
    }

    pub async fn edit_session(
        &self,
        p: &Principal,
        id: SessionId,
        input: &SessionInput,
    ) -> Result<()> {
        self.exec_unit(p, Capability::EditProgram, |s, _| {
            s.decide_edit_session(id, input)
        })
        .await
    }

    pub async fn remove_session(&self, p: &Principal, id: SessionId) -> Result<()> {
        self.exec_unit(p, Capability::EditProgram, |s, _| {
            s.decide_remove_session(id)
        })
        .await
    }

    pub async fn move_session(&self, p: &Principal, id: SessionId, dir: Direction) -> Result<()> {
        self.exec_unit(p, Capability::EditProgram, |s, _| {
            s.decide_move_session(id, dir)
        })
        .await
    }

    pub async fn add_item(
        &self,
        p: &Principal,
        session: SessionId,
        input: &ItemInput,
    ) -> Result<ItemId> {
        self.exec(p, Capability::EditProgram, |s, _| {
            s.decide_add_item(session, input)
        })
        .await
    }

    pub async fn edit_item(
        &self,
        p: &Principal,
        id: ItemId,
        session: Option<SessionId>,
        input: &ItemInput,
    ) -> Result<()> {
        self.exec_unit(p, Capability::EditProgram, |s, _| {
            let session = match session {
                Some(x) => x,
                None => s.item(id).map(|i| i.session_id).ok_or(Error::NotFound {
                    what: "agenda_item",
                })?,
            };
            s.decide_edit_item(id, session, input)
        })
        .await
    }

    pub async fn remove_item(&self, p: &Principal, id: ItemId) -> Result<()> {
        self.exec_unit(p, Capability::EditProgram, |s, _| s.decide_remove_item(id))
            .await
    }

    pub async fn move_item(&self, p: &Principal, id: ItemId, dir: Direction) -> Result<()> {
        self.exec_unit(p, Capability::EditProgram, |s, _| {
            s.decide_move_item(id, dir)
        })
        .await
    }

    // ----- running the congress ------------------------------------------------------

    pub async fn start_session(&self, p: &Principal, id: SessionId) -> Result<()> {
        self.exec_unit(p, Capability::RunSession, |s, now| {
            s.decide_start_session(id, now)
        })
        .await
    }

    pub async fn end_session(&self, p: &Principal, id: SessionId) -> Result<()> {
        self.exec_unit(p, Capability::RunSession, |s, now| {
            s.decide_end_session(id, now)
        })
        .await
    }

    pub async fn set_item(&self, p: &Principal, item: Option<ItemId>) -> Result<()> {
        self.exec_unit(p, Capability::RunSession, |s, _| s.decide_set_item(item))
            .await
    }

    pub async fn next_item(&self, p: &Principal) -> Result<()> {
        self.exec_unit(p, Capability::RunSession, |s, _| s.decide_next_item())
            .await
    }

    pub async fn previous_item(&self, p: &Principal) -> Result<()> {
        self.exec_unit(p, Capability::RunSession, |s, _| s.decide_previous_item())
            .await
    }

    pub async fn announce(&self, p: &Principal, body: &str) -> Result<AnnouncementId> {
        let by = p.display_name.clone();
        self.exec(p, Capability::Announce, |s, now| {
            s.decide_announce(body, &by, now)
        })
        .await
    }

    pub async fn withdraw_announcement(&self, p: &Principal, id: AnnouncementId) -> Result<()> {
        self.exec_unit(p, Capability::Announce, |s, _| {
            s.decide_withdraw_announcement(id)
        })
        .await
    }

    // ----- delegates -----------------------------------------------------------------

    /// Parse and import a delegate list; all or nothing.
    pub async fn import_delegates(
        &self,
        p: &Principal,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<ImportSummary> {
        p.require(Capability::ManageDelegates)?;
        let today = daihoi_data::import::vietnam_today(self.now());
        let rows = daihoi_data::import::parse_delegates_on(
            daihoi_data::import::ImportFile { file_name, bytes },
            today,
        )?;
        self.exec(p, Capability::ManageDelegates, |s, _| {
            s.decide_import(file_name, rows)
        })
        .await
    }

    /// Import already-parsed delegate records (the demo; other tools).
    pub async fn import_rows(
        &self,
        p: &Principal,
        source: &str,
        rows: Vec<DelegateFields>,
    ) -> Result<ImportSummary> {
        self.exec(p, Capability::ManageDelegates, |s, _| {
            s.decide_import(source, rows)
        })
        .await
    }

    pub async fn revoke_qr(&self, p: &Principal, id: DelegateId) -> Result<()> {
        self.exec_unit(p, Capability::ManageDelegates, |s, _| {
            s.decide_revoke_qr(id)
        })
        .await
    }

    /// The URL in a delegate's QR code.
    pub fn qr_url(&self, d: &Delegate) -> String {
        format!(
            "{}/q/{}",
            self.public_url,
            self.keys.qr_token(d.id, d.qr_epoch)
        )
    }

    pub fn link_url(&self, a: &Account) -> String {
        format!(
            "{}/l/{}",
            self.public_url,
            self.keys.link_token(a.id, a.epoch)
        )
    }

    /// Badges for every delegate (or the given codes), as one PDF.
    pub fn badges_pdf(&self, p: &Principal, only: Option<&[DelegateId]>) -> Result<Vec<u8>> {
        p.require(Capability::ManageDelegates)?;
        let (name, place_dates, badges) = self.read(|s| {
            let info = s.info.clone();
            let mut list: Vec<&Delegate> = s
                .delegates()
                .filter(|d| only.is_none_or(|o| o.contains(&d.id)))
                .collect();
            list.sort_by(|a, b| a.fields.code.cmp(&b.fields.code));
            let badges: Vec<daihoi_data::badges::Badge> = list
                .into_iter()
                .map(|d| daihoi_data::badges::Badge {
                    full_name: d.fields.full_name.clone(),
                    delegation: d.fields.delegation.clone(),
                    code: d.fields.code.clone(),
                    kind: d.fields.kind,
                    group: d.fields.group.clone(),
                    sign_in_url: self.qr_url(d),
                })
                .collect();
            let (name, pd) = match info {
                Some(i) => (
                    i.name.clone(),
                    format!(
                        "{}, {} – {}",
                        i.place,
                        i.starts_on.format("%d/%m/%Y"),
                        i.ends_on.format("%d/%m/%Y")
                    ),
                ),
                None => (String::new(), String::new()),
            };
            (name, pd, badges)
        });
        daihoi_data::badges::badges_pdf(&daihoi_data::badges::BadgeSheet {
            congress_name: &name,
            place_and_dates: &place_dates,
            badges: &badges,
        })
        .map_err(|e| Error::Storage(e.to_string()))
    }

    // ----- accounts and tokens -------------------------------------------------------

    pub async fn create_account(
        &self,
        p: &Principal,
        username: &str,
        display_name: &str,
        role: Role,
        password: Option<&str>,
    ) -> Result<AccountId> {
        p.require(Capability::ManageAccounts)?;
        let hash = match password.filter(|pw| !pw.is_empty()) {
            Some(pw) => Some(auth::hash_password(text::password(pw)?)?),
            None if role.is_staff() => return Err(Error::invalid("password", "required")),
            None => None,
        };
        self.exec(p, Capability::ManageAccounts, |s, _| {
            s.decide_create_account(username, display_name, role, hash)
        })
        .await
    }

    /// Create an account from the command line or the demo (no signed-in caller).
    pub async fn create_account_system(
        &self,
        username: &str,
        display_name: &str,
        role: Role,
        password: Option<&str>,
    ) -> Result<AccountId> {
        let hash = match password {
            Some(pw) => Some(auth::hash_password(text::password(pw)?)?),
            None => None,
        };
        let now = self.now();
        Ok(self
            .engine
            .execute(&Actor::System, now, |s| {
                s.decide_create_account(username, display_name, role, hash)
            })
            .await?
            .0)
    }

    pub async fn edit_account(
        &self,
        p: &Principal,
        id: AccountId,
        display_name: &str,
        role: Role,
        active: bool,
    ) -> Result<()> {
        self.exec_unit(p, Capability::ManageAccounts, |s, _| {
            s.decide_edit_account(id, display_name, role, active)
        })
        .await
    }

    pub async fn set_password(&self, p: &Principal, id: AccountId, password: &str) -> Result<()> {
        p.require(Capability::ManageAccounts)?;
        let hash = auth::hash_password(text::password(password)?)?;
        self.exec_unit(p, Capability::ManageAccounts, |s, _| {
            s.decide_set_password(id, hash)
        })
        .await
    }

    pub async fn revoke_sign_in(&self, p: &Principal, id: AccountId) -> Result<()> {
        self.exec_unit(p, Capability::ManageAccounts, |s, _| {
            s.decide_revoke_sign_in(id)
        })
        .await
    }

    /// A new API token; the returned string is shown once.
    pub async fn create_token_system(&self, label: &str, role: Role) -> Result<String> {
        let (secret, hash) = auth::new_api_secret();
        let now = self.now();
        let (id, _) = self
            .engine
            .execute(&Actor::System, now, |s| {
                s.decide_create_token(label, role, hash)
            })
            .await?;
        Ok(format!("dh_{id}_{secret}"))
    }

    /// A new API token created by an administrator; the returned string is shown once.
    pub async fn create_token(&self, p: &Principal, label: &str, role: Role) -> Result<String> {
        p.require(Capability::ManageAccounts)?;
        if role == Role::Delegate {
            return Err(Error::invalid("role", "delegate_role_by_import"));
        }
        let (secret, hash) = auth::new_api_secret();
        let id = self
            .exec(p, Capability::ManageAccounts, |s, _| {
                s.decide_create_token(label, role, hash)
            })
            .await?;
        Ok(format!("dh_{id}_{secret}"))
    }

    pub async fn revoke_token(&self, p: &Principal, id: TokenId) -> Result<()> {
        self.exec_unit(p, Capability::ManageAccounts, |s, _| {
            s.decide_revoke_token(id)
        })
        .await
    }

    // ----- signing in ----------------------------------------------------------------

    /// Staff sign-in by password, rate-limited per user name and per client address.
    pub fn sign_in_password(
        &self,
        username: &str,
        password: &str,
        client: &str,
    ) -> Result<SignedIn> {
        let now = self.now();
        let user = username.trim().to_lowercase();
        self.by_client.hit(client, now)?;
        self.by_user.hit(&user, now)?;
        let account = self.read(|s| s.account_by_username(&user).cloned());
        let ok = match &account {
            Some(a) if a.active => a
                .password_hash
                .as_deref()
                .is_some_and(|h| auth::verify_password(h, password)),
            _ => {
                auth::dummy_verify(password);
                false
            }
        };
        let Some(a) = account.filter(|_| ok) else {
            return Err(Error::conflict("BAD_CREDENTIALS"));
        };
        self.by_user.clear(&user);
        Ok(self.signed_in(Subject::Account(a.id), a.epoch, a.role))
    }

    pub fn sign_in_qr(&self, token: &str, client: &str) -> Result<SignedIn> {
        self.by_client.hit(client, self.now())?;
        let (id, epoch) = self.read(|s| {
            let id = self.keys.open_qr(s, token)?;
            Ok::<_, Error>((id, s.delegate(id).map(|d| d.qr_epoch).unwrap_or_default()))
        })?;
        Ok(self.signed_in(Subject::Delegate(id), epoch, Role::Delegate))
    }

    pub fn sign_in_link(&self, token: &str, client: &str) -> Result<SignedIn> {
        self.by_client.hit(client, self.now())?;
        let (id, epoch, role) = self.read(|s| {
            let id = self.keys.open_link(s, token)?;
            let a = s.account(id).ok_or(Error::Unauthenticated)?;
            Ok::<_, Error>((id, a.epoch, a.role))
        })?;
        Ok(self.signed_in(Subject::Account(id), epoch, role))
    }

    fn signed_in(&self, subject: Subject, epoch: u32, role: Role) -> SignedIn {
        SignedIn {
            cookie: self.keys.session_cookie(subject, epoch, self.now()),
            role,
            max_age: auth::session_lifetime(role),
        }
    }

    pub fn authenticate_cookie(&self, cookie: &str) -> Option<Principal> {
        let now = self.now();
        self.read(|s| self.keys.open_session(s, cookie, now))
    }

    pub fn authenticate_bearer(&self, token: &str) -> Option<Principal> {
        self.read(|s| self.keys.open_api_token(s, token))
    }
}

mod attendance;
mod credentials;
mod docs;
mod faces;
mod minutes;
mod polls;
pub use attendance::{
    AttendanceRow, AttendanceSummary, CheckInResult, DelegationCount, LATE_AFTER_MINUTES, seat_of,
};
pub use docs::{BatchReport, DocHit, DocQuery, DocResults, Download, Upload};
pub use polls::Receipt;

#[cfg(test)]
pub(crate) mod tests;

//! Sign-in material. Nothing per sign-in is stored: QR codes, sign-in links and session
//! cookies are HMAC-signed and carry the subject's epoch; revoking bumps the epoch in the
//! event log, so every older code and cookie stops working at the next request.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chrono::{DateTime, Utc};
use daihoi_domain::model::{AccountId, Actor, DelegateId, TokenId};
use daihoi_domain::{Capability, CongressState, Error, Result, Role};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// The server's signing key, shared by every node through the store's meta table.
#[derive(Clone)]
pub struct Keys {
    key: [u8; 32],
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(<redacted>)")
    }
}

/// Who is calling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Account(AccountId),
    Delegate(DelegateId),
    Token(TokenId),
}

#[derive(Debug, Clone)]
pub struct Principal {
    pub subject: Subject,
    pub role: Role,
    pub display_name: String,
    /// The CSRF token forms must echo (cookie sessions only).
    pub csrf: Option<String>,
}

impl Principal {
    pub fn require(&self, cap: Capability) -> Result<()> {
        if self.role.can(cap) {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }
    pub fn actor(&self) -> Actor {
        match self.subject {
            Subject::Account(id) => Actor::Account(id),
            Subject::Delegate(id) => Actor::Delegate(id),
            Subject::Token(id) => Actor::Token(id),
        }
    }
    pub fn delegate_id(&self) -> Option<DelegateId> {
        match self.subject {
            Subject::Delegate(id) => Some(id),
            _ => None,
        }
    }
}

/// How long a session cookie lasts: a whole congress for delegates and devices, a
/// working day for staff.
pub fn session_lifetime(role: Role) -> chrono::Duration {
    if role.is_staff() {
        chrono::Duration::hours(14)
    } else {
        chrono::Duration::days(10)
    }
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    rand::thread_rng().fill_bytes(&mut b);
    b
}

impl Keys {
    pub fn from_bytes(v: &[u8]) -> Result<Keys> {
        let key: [u8; 32] = v
            .try_into()
            .map_err(|_| Error::Storage("signing key has the wrong length".into()))?;
        Ok(Keys { key })
    }

    fn mac(&self, parts: &[&str]) -> String {
        let Ok(mut m) = HmacSha256::new_from_slice(&self.key) else {
            return String::new();
        };
        for p in parts {
            m.update(p.as_bytes());
            m.update(b"\x1f");
        }
        // 128 bits is plenty for a MAC that can only be tried online, rate-limited.
        B64.encode(&m.finalize().into_bytes()[..16])
    }

    fn check(&self, parts: &[&str], mac: &str) -> bool {
        let want = self.mac(parts);
        !want.is_empty() && want.as_bytes().ct_eq(mac.as_bytes()).into()
    }

    /// A vote receipt: proves "your vote was stored" to the voter, derived from the poll,
    /// the voter and the time only (never the choice), so it reveals nothing of a secret
    /// ballot. Shown as four groups of four characters.
    pub fn receipt(&self, basis: &str) -> String {
        let m = self
            .mac(&["receipt", basis])
            .to_uppercase()
            .replace(['-', '_'], "X");
        m.chars()
            .take(16)
            .collect::<Vec<_>>()
            .chunks(4)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join("-")
    }

    /// The token in a delegate's QR code: `<id>.<epoch>.<mac>`.
    pub fn qr_token(&self, id: DelegateId, epoch: u32) -> String {
        let (i, e) = (id.to_string(), epoch.to_string());
        format!("{i}.{e}.{}", self.mac(&["qr", &i, &e]))
    }

    /// A sign-in link for an account (devices, and staff in the demo): `<id>.<epoch>.<mac>`.
    pub fn link_token(&self, id: AccountId, epoch: u32) -> String {
        let (i, e) = (id.to_string(), epoch.to_string());
        format!("{i}.{e}.{}", self.mac(&["link", &i, &e]))
    }

    fn parse3(&self, domain: &str, token: &str) -> Option<(u64, u32)> {
        let mut it = token.splitn(3, '.');
        let (i, e, m) = (it.next()?, it.next()?, it.next()?);
        if !self.check(&[domain, i, e], m) {
            return None;
        }
        Some((i.parse().ok()?, e.parse().ok()?))
    }

    /// Resolve a QR token to a delegate whose QR is still valid.
    pub fn open_qr(&self, state: &CongressState, token: &str) -> Result<DelegateId> {
        let (id, epoch) = self.parse3("qr", token).ok_or(Error::Unauthenticated)?;
        let d = state
            .delegate(DelegateId(id))
            .ok_or(Error::Unauthenticated)?;
        if d.qr_epoch != epoch {
            return Err(Error::conflict("QR_REVOKED"));
        }
        Ok(d.id)
    }

    pub fn open_link(&self, state: &CongressState, token: &str) -> Result<AccountId> {
        let (id, epoch) = self.parse3("link", token).ok_or(Error::Unauthenticated)?;
        let a = state.account(AccountId(id)).ok_or(Error::Unauthenticated)?;
        if !a.active || a.epoch != epoch {
            return Err(Error::conflict("LINK_REVOKED"));
        }
        Ok(a.id)
    }

    /// A session cookie value: `<d|a>.<id>.<epoch>.<issued unix>.<mac>`.
    pub fn session_cookie(&self, subject: Subject, epoch: u32, now: DateTime<Utc>) -> String {
        let (k, id) = match subject {
            Subject::Account(a) => ("a", a.0),
            Subject::Delegate(d) => ("d", d.0),
            Subject::Token(t) => ("t", t.0),
        };
        // The issue time carries a random nonce so that two sign-ins are never the same
        // session (nor share a CSRF token).
        let (i, e, t) = (
            id.to_string(),
            epoch.to_string(),
            format!("{}~{}", now.timestamp(), B64.encode(random_bytes::<6>())),
        );
        format!("{k}.{i}.{e}.{t}.{}", self.mac(&["session", k, &i, &e, &t]))
    }

    /// Check a session cookie against the current state: signature, subject still there
    /// and active, epoch unchanged (not revoked), not expired.
    pub fn open_session(
        &self,
        state: &CongressState,
        cookie: &str,
        now: DateTime<Utc>,
    ) -> Option<Principal> {
        let p: Vec<&str> = cookie.split('.').collect();
        let [k, i, e, t, m] = p.as_slice() else {
            return None;
        };
        if !self.check(&["session", k, i, e, t], m) {
            return None;
        }
        let (id, epoch, issued): (u64, u32, i64) = (
            i.parse().ok()?,
            e.parse().ok()?,
            t.split('~').next()?.parse().ok()?,
        );
        let issued = DateTime::from_timestamp(issued, 0)?;
        let csrf = Some(self.mac(&["csrf", cookie]));
        let principal = match *k {
            "a" => {
                let a = state.account(AccountId(id))?;
                if !a.active || a.epoch != epoch {
                    return None;
                }
                Principal {
                    subject: Subject::Account(a.id),
                    role: a.role,
                    display_name: a.display_name.clone(),
                    csrf,
                }
            }
            "d" => {
                let d = state.delegate(DelegateId(id))?;
                if d.qr_epoch != epoch {
                    return None;
                }
                Principal {
                    subject: Subject::Delegate(d.id),
                    role: Role::Delegate,
                    display_name: d.fields.full_name.clone(),
                    csrf,
                }
            }
            _ => return None,
        };
        if now < issued - chrono::Duration::minutes(5)
            || now > issued + session_lifetime(principal.role)
        {
            return None;
        }
        Some(principal)
    }

    /// Resolve `Authorization: Bearer dh_<id>_<secret>`.
    pub fn open_api_token(&self, state: &CongressState, bearer: &str) -> Option<Principal> {
        let rest = bearer.strip_prefix("dh_")?;
        let (id, secret) = rest.split_once('_')?;
        let t = state.token(TokenId(id.parse().ok()?))?;
        if t.revoked {
            return None;
        }
        let h = hex::encode(Sha256::digest(secret.as_bytes()));
        if !bool::from(h.as_bytes().ct_eq(t.secret_sha256.as_bytes())) {
            return None;
        }
        Some(Principal {
            subject: Subject::Token(t.id),
            role: t.role,
            display_name: format!("API: {}", t.label),
            csrf: None,
        })
    }
}

/// A new API token's secret (shown once) and the hash stored in the log.
pub fn new_api_secret() -> (String, String) {
    let secret = B64.encode(random_bytes::<32>());
    let hash = hex::encode(Sha256::digest(secret.as_bytes()));
    (secret, hash)
}

pub fn hash_password(password: &str) -> Result<String> {
    let salt =
        SaltString::encode_b64(&random_bytes::<16>()).map_err(|e| Error::Storage(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Storage(e.to_string()))
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A dummy hash to verify against when the username is unknown, so that timing does not
/// tell which usernames exist.
pub fn dummy_verify(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let h = DUMMY.get_or_init(|| hash_password("not-a-real-password").unwrap_or_default());
    let _ = verify_password(h, password);
}

#[cfg(test)]
mod tests {
    use super::*;
    use daihoi_domain::state::CongressInput;

    fn state_with_delegate() -> (CongressState, DelegateId) {
        let mut s = CongressState::default();
        for e in s
            .decide_configure(&CongressInput {
                name: "ĐH".into(),
                place: "HN".into(),
                starts_on: "01/12/2026".into(),
                ends_on: "02/12/2026".into(),
                kind: "party_congress".into(),
            })
            .unwrap()
        {
            s.apply(&e);
        }
        let f = daihoi_domain::DelegateFields {
            code: "DB001".into(),
            full_name: "Nguyễn Văn An".into(),
            birth_date: None,
            gender: None,
            ethnicity: String::new(),
            position: String::new(),
            unit: String::new(),
            delegation: String::new(),
            group: String::new(),
            kind: daihoi_domain::DelegateKind::Official,
            shares: 0,
            photo: None,
            extra: Default::default(),
        };
        for e in s.decide_import("x", vec![f]).unwrap().1 {
            s.apply(&e);
        }
        let id = s.delegate_by_code("DB001").unwrap().id;
        (s, id)
    }

    #[test]
    fn qr_tokens_verify_and_revoke() {
        let keys = Keys::from_bytes(&[7u8; 32]).unwrap();
        let (mut s, id) = state_with_delegate();
        let tok = keys.qr_token(id, 0);
        assert_eq!(keys.open_qr(&s, &tok).unwrap(), id);
        // Tampered id or mac.
        assert!(
            keys.open_qr(&s, &tok.replacen(&id.to_string(), "99", 1))
                .is_err()
        );
        assert!(keys.open_qr(&s, &format!("{tok}x")).is_err());
        // A different key.
        assert!(
            Keys::from_bytes(&[8u8; 32])
                .unwrap()
                .open_qr(&s, &tok)
                .is_err()
        );
        for e in s.decide_revoke_qr(id).unwrap() {
            s.apply(&e);
        }
        assert_eq!(keys.open_qr(&s, &tok).unwrap_err().code(), "QR_REVOKED");
        assert!(keys.open_qr(&s, &keys.qr_token(id, 1)).is_ok());
    }

    #[test]
    fn session_cookies_expire_and_die_with_the_epoch() {
        let keys = Keys::from_bytes(&[1u8; 32]).unwrap();
        let (mut s, id) = state_with_delegate();
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let c = keys.session_cookie(Subject::Delegate(id), 0, now);
        let p = keys.open_session(&s, &c, now).unwrap();
        assert_ne!(
            c,
            keys.session_cookie(Subject::Delegate(id), 0, now),
            "each sign-in is distinct"
        );
        assert_eq!(
            (p.role, p.display_name.as_str()),
            (Role::Delegate, "Nguyễn Văn An")
        );
        assert!(p.csrf.is_some());
        assert!(
            keys.open_session(&s, &c, now + chrono::Duration::days(11))
                .is_none()
        );
        assert!(
            keys.open_session(&s, &c.replace(".0.", ".1."), now)
                .is_none()
        );
        for e in s.decide_revoke_qr(id).unwrap() {
            s.apply(&e);
        }
        assert!(
            keys.open_session(&s, &c, now).is_none(),
            "revoking the QR ends its sessions"
        );
    }

    #[test]
    fn passwords() {
        let h = hash_password("mật khẩu dài đủ").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&h, "mật khẩu dài đủ"));
        assert!(!verify_password(&h, "sai"));
        assert!(!verify_password("garbage", "x"));
    }
}

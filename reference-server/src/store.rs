//! Storage on SQLite (bundled): in memory by default, a file with `--db`.
//! Every check-then-write runs in one transaction, under one connection
//! lock, so concurrent writers with the same etag cannot both win.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, RwLock};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use uuid::Uuid;

/// The documented company, customer and contact (their GUIDs are the ones
/// the spec's examples use).
pub const COMPANY_ID: Uuid = Uuid::from_u128(0x5d115c9c_44e3_ea11_bb43_000d3a2feca1);
pub const CONTOSO_ID: Uuid = Uuid::from_u128(0xf4b6d1c2_1042_4e7f_8a21_3b4c5d6e7f80);
pub const JOHN_SMITH_ID: Uuid = Uuid::from_u128(0xe3a5c0b1_0123_4d6e_9f10_2a3b4c5d6e7f);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("the database lock was poisoned by a panic")]
    Poisoned,
}

impl StoreError {
    /// SQLite could not get its lock in time: another process (or
    /// connection) holds the file. The request may be retried.
    pub fn is_busy(&self) -> bool {
        matches!(
            self,
            StoreError::Db(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Company {
    pub id: Uuid,
    pub name: String,
    pub display_name: String,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    pub id: Uuid,
    pub number: String,
    pub name: String,
}

/// A contact as stored, joined with its customer.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub id: Uuid,
    pub company_id: Uuid,
    pub customer_id: Uuid,
    pub customer_name: String,
    pub customer_number: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub professional_title: String,
    pub phone: String,
    pub version: i64,
}

impl Contact {
    /// Whether both hold the same values, whatever their versions (a write
    /// that puts values back still makes a new version).
    pub fn same_values(&self, other: &Contact) -> bool {
        Contact {
            version: other.version,
            ..self.clone()
        } == *other
    }

    /// The opaque entity tag: a weak tag over the contact's id and version,
    /// so it changes on every write.
    pub fn etag(&self) -> String {
        etag(self.id, self.version)
    }
}

pub fn etag(id: Uuid, version: i64) -> String {
    let raw = format!("{version};{}", id.simple());
    format!("W/\"{}\"", bc_api::Base64(raw.into_bytes()).encode())
}

/// What a write must find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// `If-Match: *`
    Any,
    /// `If-Match: <etag>`
    Etag(String),
}

impl Precondition {
    fn holds(&self, current: &str) -> bool {
        match self {
            Precondition::Any => true,
            Precondition::Etag(e) => e == current,
        }
    }
}

/// The changes of a PATCH, already checked for types and limits.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ContactChanges {
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub professional_title: Option<String>,
    pub phone: Option<String>,
    pub customer_id: Option<Uuid>,
    /// A `customerName` sent in the body: it must equal the (new) customer's name.
    pub customer_name: Option<String>,
}

/// Why a write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("no such contact")]
    NotFound,
    #[error("the etag does not match")]
    Stale,
    #[error("no customer has the id {0}")]
    UnknownCustomer(Uuid),
    #[error("customerName is read-only")]
    ReadOnlyCustomerName,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for WriteError {
    fn from(e: rusqlite::Error) -> Self {
        WriteError::Store(StoreError::Db(e))
    }
}

/// How long SQLite itself waits for a lock another process holds.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(1500);

pub struct Store {
    conn: Mutex<Connection>,
    /// Whether the data is in a file (other processes may lock it).
    file: bool,
    /// What SQLite holds, for reads: loaded at open, changed only by a write
    /// while that write holds the connection, so it never runs ahead of SQLite.
    mirror: RwLock<Mirror>,
}

#[derive(Default)]
struct Mirror {
    companies: Vec<Company>,
    /// Per company, its contacts in creation order.
    contacts: HashMap<Uuid, Vec<Contact>>,
}

impl Mirror {
    fn load(conn: &Connection) -> rusqlite::Result<Mirror> {
        let mut m = Mirror::default();
        let mut stmt = conn.prepare("SELECT id, name, display_name, version FROM companies ORDER BY name")?;
        let rows = stmt.query_map([], |r| {
            Ok(Company {
                id: uuid_col(r, 0)?,
                name: r.get(1)?,
                display_name: r.get(2)?,
                version: r.get(3)?,
            })
        })?;
        m.companies = rows.collect::<Result<_, _>>()?;
        let mut stmt = conn.prepare(&format!("{CONTACT_SELECT} ORDER BY c.seq"))?;
        for c in stmt.query_map([], contact_row)? {
            let c = c?;
            m.contacts.entry(c.company_id).or_default().push(c);
        }
        Ok(m)
    }

    fn put(&mut self, c: Contact) {
        let list = self.contacts.entry(c.company_id).or_default();
        match list.iter_mut().find(|x| x.id == c.id) {
            Some(slot) => *slot = c,
            None => list.push(c),
        }
    }

    fn remove(&mut self, company: Uuid, id: Uuid) {
        if let Some(list) = self.contacts.get_mut(&company) {
            list.retain(|c| c.id != id);
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS companies (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, display_name TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS customers (
    id TEXT PRIMARY KEY, company_id TEXT NOT NULL REFERENCES companies(id), number TEXT NOT NULL, name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS contacts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    company_id TEXT NOT NULL REFERENCES companies(id),
    customer_id TEXT NOT NULL REFERENCES customers(id),
    email TEXT NOT NULL, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
    professional_title TEXT NOT NULL, phone TEXT NOT NULL, version INTEGER NOT NULL
);
";

const CONTACT_SELECT: &str = "SELECT c.id, c.company_id, c.customer_id, u.name, u.number, c.email, c.first_name, c.last_name, \
     c.professional_title, c.phone, c.version FROM contacts c JOIN customers u ON u.id = c.customer_id";

fn uuid_col(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Uuid> {
    let s: String = row.get(i)?;
    Uuid::parse_str(&s)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
}

fn contact_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Contact> {
    Ok(Contact {
        id: uuid_col(row, 0)?,
        company_id: uuid_col(row, 1)?,
        customer_id: uuid_col(row, 2)?,
        customer_name: row.get(3)?,
        customer_number: row.get(4)?,
        email: row.get(5)?,
        first_name: row.get(6)?,
        last_name: row.get(7)?,
        professional_title: row.get(8)?,
        phone: row.get(9)?,
        version: row.get(10)?,
    })
}

impl Store {
    /// Opens (creating and seeding if empty) the store: in memory, or in `path`.
    pub fn open(path: Option<&Path>) -> Result<Store, StoreError> {
        let conn = match path {
            Some(p) => {
                let c = Connection::open(p)?;
                c.pragma_update(None, "journal_mode", "WAL")?;
                c.pragma_update(None, "synchronous", "NORMAL")?;
                c
            }
            None => Connection::open_in_memory()?,
        };
        // Short: a writer that cannot get the file's lock soon is told to
        // retry (503) rather than held; reads never touch SQLite.
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.execute_batch(SCHEMA)?;
        let store = Store {
            conn: Mutex::new(conn),
            file: path.is_some(),
            mirror: RwLock::new(Mirror::default()),
        };
        store.seed_if_empty()?;
        let loaded = Mirror::load(&*store.lock()?)?;
        *store.mirror.write().map_err(|_| StoreError::Poisoned)? = loaded;
        Ok(store)
    }

    /// Whether the data is kept in a file (`--db`).
    pub fn is_file(&self) -> bool {
        self.file
    }

    fn lock(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        self.conn.lock().map_err(|_| StoreError::Poisoned)
    }

    fn seed_if_empty(&self) -> Result<(), StoreError> {
        let mut conn = self.lock()?;
        let count: i64 = conn.query_row("SELECT COUNT(*) FROM companies", [], |r| r.get(0))?;
        if count > 0 {
            return Ok(());
        }
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO companies (id, name, display_name) VALUES (?1, ?2, ?3)",
            params![COMPANY_ID.to_string(), "CRONUS USA", "CRONUS USA, Inc."],
        )?;
        let customers = [
            (CONTOSO_ID, "CUST1042", "Contoso Ltd."),
            (
                Uuid::from_u128(0x0b8c2f3e_1043_4a61_9d7e_5c6b7a8f9e01),
                "CUST1043",
                "Fabrikam, Inc.",
            ),
            (
                Uuid::from_u128(0x1c9d3e4f_1044_4b72_8e8f_6d7c8b9a0f12),
                "CUST1044",
                "Adatum Corporation",
            ),
        ];
        for (id, number, name) in customers {
            tx.execute(
                "INSERT INTO customers (id, company_id, number, name) VALUES (?1, ?2, ?3, ?4)",
                params![id.to_string(), COMPANY_ID.to_string(), number, name],
            )?;
        }
        let contacts: [(u128, usize, &str, &str, &str, &str, &str); 12] = [
            (
                0xe3a5c0b1_0123_4d6e_9f10_2a3b4c5d6e7f,
                0,
                "john.smith@contoso.com",
                "John",
                "Smith",
                "Purchasing Manager",
                "+1 425-555-0174",
            ),
            (
                0x2a6b7c8d_0124_4e5f_8a9b_0c1d2e3f4a51,
                0,
                "anna.lee@contoso.com",
                "Anna",
                "Lee",
                "Accountant",
                "+1 425-555-0175",
            ),
            (
                0x3b7c8d9e_0125_4f60_9bac_1d2e3f4a5b62,
                0,
                "raj.patel@contoso.com",
                "Raj",
                "Patel",
                "Buyer",
                "+1 425-555-0176",
            ),
            (
                0x4c8d9eaf_0126_4071_acbd_2e3f4a5b6c73,
                1,
                "maria.garcia@fabrikam.com",
                "Maria",
                "Garcia",
                "CFO",
                "+1 206-555-0101",
            ),
            (
                0x5d9eafb0_0127_4182_bdce_3f4a5b6c7d84,
                1,
                "tom.baker@fabrikam.com",
                "Tom",
                "Baker",
                "Sales Director",
                "+1 206-555-0102",
            ),
            (
                0x6eafb0c1_0128_4293_cedf_4a5b6c7d8e95,
                1,
                "li.wei@fabrikam.com",
                "Li",
                "Wei",
                "Engineer",
                "+1 206-555-0103",
            ),
            (
                0x7fb0c1d2_0129_43a4_dfe0_5b6c7d8e9fa6,
                2,
                "sara.jones@adatum.com",
                "Sara",
                "Jones",
                "Office Manager",
                "+44 20 7946 0001",
            ),
            (
                0x80c1d2e3_0130_44b5_e0f1_6c7d8e9fa0b7,
                2,
                "omar.haddad@adatum.com",
                "Omar",
                "Haddad",
                "Purchasing Agent",
                "+44 20 7946 0002",
            ),
            (
                0x91d2e3f4_0131_45c6_f102_7d8e9fa0b1c8,
                2,
                "eva.novak@adatum.com",
                "Eva",
                "Novak",
                "Controller",
                "+44 20 7946 0003",
            ),
            (
                0xa2e3f405_0132_46d7_0213_8e9fa0b1c2d9,
                0,
                "ken.ito@contoso.com",
                "Ken",
                "Ito",
                "Logistics Lead",
                "+1 425-555-0177",
            ),
            (
                0xb3f40516_0133_47e8_1324_9fa0b1c2d3ea,
                1,
                "nina.smith@fabrikam.com",
                "Nina",
                "Smith",
                "Buyer",
                "+1 206-555-0104",
            ),
            (
                0xc4051627_0134_48f9_2435_a0b1c2d3e4fb,
                2,
                "paul.martin@adatum.com",
                "Paul",
                "Martin",
                "Director",
                "+44 20 7946 0004",
            ),
        ];
        for (id, customer, email, first, last, title, phone) in contacts {
            tx.execute(
                "INSERT INTO contacts (id, company_id, customer_id, email, first_name, last_name, professional_title, phone, version) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1)",
                params![Uuid::from_u128(id).to_string(), COMPANY_ID.to_string(), customers[customer].0.to_string(), email, first, last, title, phone],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn read(&self) -> Result<std::sync::RwLockReadGuard<'_, Mirror>, StoreError> {
        self.mirror.read().map_err(|_| StoreError::Poisoned)
    }

    pub fn companies(&self) -> Result<Vec<Company>, StoreError> {
        Ok(self.read()?.companies.clone())
    }

    pub fn company(&self, id: Uuid) -> Result<Option<Company>, StoreError> {
        Ok(self.read()?.companies.iter().find(|c| c.id == id).cloned())
    }

    /// The company's contacts in creation order.
    pub fn contacts(&self, company: Uuid) -> Result<Vec<Contact>, StoreError> {
        Ok(self.read()?.contacts.get(&company).cloned().unwrap_or_default())
    }

    pub fn contact(&self, company: Uuid, id: Uuid) -> Result<Option<Contact>, StoreError> {
        Ok(self
            .read()?
            .contacts
            .get(&company)
            .and_then(|l| l.iter().find(|c| c.id == id))
            .cloned())
    }

    fn contact_in(conn: &Connection, company: Uuid, id: Uuid) -> rusqlite::Result<Option<Contact>> {
        let mut stmt = conn.prepare(&format!("{CONTACT_SELECT} WHERE c.company_id = ?1 AND c.id = ?2"))?;
        stmt.query_row([company.to_string(), id.to_string()], contact_row)
            .optional()
    }

    fn customer_in(conn: &Connection, company: Uuid, id: Uuid) -> rusqlite::Result<Option<Customer>> {
        let mut stmt =
            conn.prepare_cached("SELECT id, number, name FROM customers WHERE company_id = ?1 AND id = ?2")?;
        stmt.query_row([company.to_string(), id.to_string()], |r| {
            Ok(Customer {
                id: uuid_col(r, 0)?,
                number: r.get(1)?,
                name: r.get(2)?,
            })
        })
        .optional()
    }

    /// Applies `changes` if the contact's etag meets `expected`; the check
    /// and the write are one transaction.
    pub fn update(
        &self,
        company: Uuid,
        id: Uuid,
        expected: &Precondition,
        changes: &ContactChanges,
    ) -> Result<Contact, WriteError> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = Self::contact_in(&tx, company, id)?.ok_or(WriteError::NotFound)?;
        if !expected.holds(&current.etag()) {
            return Err(WriteError::Stale);
        }
        let customer_name = match changes.customer_id {
            Some(cid) => {
                Self::customer_in(&tx, company, cid)?
                    .ok_or(WriteError::UnknownCustomer(cid))?
                    .name
            }
            None => current.customer_name.clone(),
        };
        if let Some(sent) = &changes.customer_name {
            if *sent != customer_name {
                return Err(WriteError::ReadOnlyCustomerName);
            }
        }
        tx.execute(
            "UPDATE contacts SET email = ?1, first_name = ?2, last_name = ?3, professional_title = ?4, phone = ?5, customer_id = ?6, \
             version = version + 1 WHERE id = ?7",
            params![
                changes.email.as_ref().unwrap_or(&current.email),
                changes.first_name.as_ref().unwrap_or(&current.first_name),
                changes.last_name.as_ref().unwrap_or(&current.last_name),
                changes.professional_title.as_ref().unwrap_or(&current.professional_title),
                changes.phone.as_ref().unwrap_or(&current.phone),
                changes.customer_id.unwrap_or(current.customer_id).to_string(),
                id.to_string(),
            ],
        )?;
        let updated = Self::contact_in(&tx, company, id)?.ok_or(WriteError::NotFound)?;
        tx.commit()?;
        self.mirror
            .write()
            .map_err(|_| StoreError::Poisoned)?
            .put(updated.clone());
        Ok(updated)
    }

    /// Deletes the contact if its etag meets `expected`, in one transaction.
    pub fn delete(&self, company: Uuid, id: Uuid, expected: &Precondition) -> Result<(), WriteError> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = Self::contact_in(&tx, company, id)?.ok_or(WriteError::NotFound)?;
        if !expected.holds(&current.etag()) {
            return Err(WriteError::Stale);
        }
        tx.execute("DELETE FROM contacts WHERE id = ?1", [id.to_string()])?;
        tx.commit()?;
        self.mirror
            .write()
            .map_err(|_| StoreError::Poisoned)?
            .remove(company, id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_with_the_documented_contact() {
        let s = Store::open(None).unwrap();
        let john = s.contact(COMPANY_ID, JOHN_SMITH_ID).unwrap().unwrap();
        assert_eq!(
            (john.first_name.as_str(), john.customer_name.as_str()),
            ("John", "Contoso Ltd.")
        );
        assert_eq!(s.contacts(COMPANY_ID).unwrap().len(), 12);
    }

    #[test]
    fn a_write_changes_the_etag_and_a_stale_one_is_refused() {
        let s = Store::open(None).unwrap();
        let before = s.contact(COMPANY_ID, JOHN_SMITH_ID).unwrap().unwrap();
        let changes = ContactChanges {
            professional_title: Some("Boss".into()),
            ..Default::default()
        };
        let after = s
            .update(COMPANY_ID, JOHN_SMITH_ID, &Precondition::Etag(before.etag()), &changes)
            .unwrap();
        assert_ne!(after.etag(), before.etag());
        assert!(matches!(
            s.update(COMPANY_ID, JOHN_SMITH_ID, &Precondition::Etag(before.etag()), &changes),
            Err(WriteError::Stale)
        ));
        assert!(matches!(
            s.delete(COMPANY_ID, JOHN_SMITH_ID, &Precondition::Etag(before.etag())),
            Err(WriteError::Stale)
        ));
        s.delete(COMPANY_ID, JOHN_SMITH_ID, &Precondition::Any).unwrap();
        assert!(s.contact(COMPANY_ID, JOHN_SMITH_ID).unwrap().is_none());
    }
}

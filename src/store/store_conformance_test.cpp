// The Store conformance suite: every test runs against each implementation
// (SQLite always; PostgreSQL when OPENLAPS_TEST_PG_URL names a server, each
// test in a database of its own). A few tests at the end are specific to one.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include "store/guid.h"
#include "store/postgres/postgres_store.h"
#include "store/postgres/scratch_database.h"
#include "store/postgres/wake_listener.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"
#include "testing/status_matchers.h"

namespace openlaps::store {
namespace {

namespace fs = std::filesystem;

Timestamp T(std::int64_t seconds) { return Timestamp(std::chrono::seconds(seconds)); }

constexpr AuditKey kAuditKey = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

// Builders, since designated initializers that skip members warn under -Wextra.
ScopeTag Tag(std::string name, std::string description = "") {
  ScopeTag tag;
  tag.name = std::move(name);
  tag.description = std::move(description);
  return tag;
}

User MakeUser(std::string upn, std::string display_name = "") {
  User user;
  user.user_principal_name = std::move(upn);
  user.display_name = std::move(display_name);
  return user;
}

RoleDefinition MakeRole(std::string name, std::vector<std::string> permissions = {},
                        bool built_in = false) {
  RoleDefinition role;
  role.name = std::move(name);
  role.permissions = std::move(permissions);
  role.built_in = built_in;
  return role;
}

RoleAssignment MakeAssignment(std::string name, Id role_id, std::vector<Id> admin_ids,
                              std::vector<Id> scope_tag_ids = {}) {
  RoleAssignment assignment;
  assignment.name = std::move(name);
  assignment.role_id = role_id;
  assignment.admin_ids = std::move(admin_ids);
  assignment.scope_tag_ids = std::move(scope_tag_ids);
  return assignment;
}

PolicyRecord NamedPolicy(std::string name) {
  PolicyRecord policy;
  policy.name = std::move(name);
  return policy;
}

PolicyReportRecord Report(Id policy_id, core::PolicyStateKind state, std::int64_t version = 0,
                          std::string detail = "", Timestamp reported_at = {}) {
  PolicyReportRecord report;
  report.policy_id = policy_id;
  report.state = state;
  report.version = version;
  report.detail = std::move(detail);
  report.reported_at = reported_at;
  return report;
}

AuditQuery With(void (*set)(AuditQuery&)) {
  AuditQuery query;
  set(query);
  return query;
}

core::PolicySettings SampleSettings(std::int64_t age_days) {
  core::PolicySettings settings;
  settings.Set(core::SettingId::kBackupDirectory, std::int64_t{1});
  settings.Set(core::SettingId::kPasswordAgeDays, age_days);
  settings.Set(core::SettingId::kAdministratorAccountName, std::string("lapsadmin"));
  settings.Set(core::SettingId::kPasswordExpirationProtectionEnabled, false);
  return settings;
}

// Direct access to the database file, as an attacker or a careless operator
// with the file would have it; only used while the store is closed.
class RawDatabase {
 public:
  explicit RawDatabase(const fs::path& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
  }
  ~RawDatabase() { sqlite3_close(db_); }

  int Exec(const std::string& sql) {
    return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  }
  std::string Error() const { return sqlite3_errmsg(db_); }
  // The first column of the first row as text.
  std::string Query(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << Error();
    std::string out;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      out = text == nullptr ? "" : text;
    }
    sqlite3_finalize(stmt);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

enum class Backend { kSqlite, kPostgres };

std::string BackendName(Backend backend) {
  return backend == Backend::kSqlite ? "Sqlite" : "Postgres";
}

// The server the PostgreSQL runs use; empty when not configured.
std::string PostgresUrl() {
  const char* url = std::getenv("OPENLAPS_TEST_PG_URL");
  return url == nullptr ? "" : url;
}

// A store under test on a database of its own, and raw SQL access to it.
class StoreFixture : public ::testing::Test {
 protected:
  virtual Backend backend() const = 0;

  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string label = info->name();
    for (char& c : label) {
      if (c == '/') c = '_';
    }
    if (backend() == Backend::kPostgres) {
      if (PostgresUrl().empty()) GTEST_SKIP() << "OPENLAPS_TEST_PG_URL is not set";
      Result<postgres::ScratchDatabase> database =
          postgres::ScratchDatabase::Create(PostgresUrl(), label);
      ASSERT_OK(database);
      pg_ = std::make_unique<postgres::ScratchDatabase>(std::move(database).value());
    }
    dir_ = fs::path(::testing::TempDir()) /
           ("openlaps_store_" + label + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = dir_ / "lapsd.db";
    Reopen();
  }

  void TearDown() override {
    store_.reset();
    pg_.reset();
    fs::remove_all(dir_);
  }

  // Keyed as lapsd keys its store.
  Result<std::unique_ptr<Store>> Open() {
    Result<std::unique_ptr<Store>> opened =
        backend() == Backend::kSqlite ? OpenSqliteStore(path_) : OpenPostgresStore(pg_->conninfo());
    if (opened.ok()) (*opened)->SetAuditKey(kAuditKey);
    return opened;
  }
  Result<std::unique_ptr<Store>> OpenUnkeyed() {
    if (backend() == Backend::kSqlite) return OpenSqliteStore(path_);
    return OpenPostgresStore(pg_->conninfo());
  }

  void Reopen() {
    store_.reset();
    Result<std::unique_ptr<Store>> opened = Open();
    ASSERT_OK(opened);
    store_ = std::move(opened).value();
  }

  // Raw SQL beside the store (closed first: SQLite's file is then quiet).
  // The first column of the first row, or the database's error.
  Result<std::string> RawSql(const std::string& sql) {
    store_.reset();
    if (backend() == Backend::kPostgres) return postgres::RunSql(pg_->conninfo(), sql);
    RawDatabase raw(path_);
    if (sql.rfind("SELECT", 0) == 0 || sql.rfind("PRAGMA", 0) == 0) return raw.Query(sql);
    if (raw.Exec(sql) != SQLITE_OK) return FailedPreconditionError(raw.Error());
    return std::string();
  }
  std::string RawQuery(const std::string& sql) {
    Result<std::string> result = RawSql(sql);
    EXPECT_OK(result);
    return result.ok() ? *result : std::string();
  }

  Store& store() { return *store_; }

  Id NewDevice(const std::string& name) {
    Device device;
    device.name = name;
    device.platform = core::Platform::kWindows;
    device.sign_public_key = Bytes(32, 1);
    device.box_public_key = Bytes(32, 2);
    device.enrolled_at = T(1000);
    Result<Device> created = store().CreateDevice(device);
    EXPECT_OK(created);
    return created.ok() ? created->id : 0;
  }

  Id NewUser(const std::string& upn) {
    Result<User> created = store().CreateUser(MakeUser(upn));
    EXPECT_OK(created);
    return created.ok() ? created->id : 0;
  }

  Id NewGroup(const std::string& name, GroupKind kind, std::vector<Id> members = {}) {
    Group group;
    group.display_name = name;
    group.kind = kind;
    group.member_ids = std::move(members);
    Result<Group> created = store().CreateGroup(group);
    EXPECT_OK(created);
    return created.ok() ? created->id : 0;
  }

  Id NewAdmin(const std::string& name) {
    AdminAccount admin;
    admin.name = name;
    admin.password_hash = "$argon2id$...";
    Result<AdminAccount> created = store().CreateAdmin(admin);
    EXPECT_OK(created);
    return created.ok() ? created->id : 0;
  }

  Credential Pending(Id device, const std::string& rotation_id, std::int64_t time) {
    Credential credential;
    credential.device_id = device;
    credential.rotation_id = rotation_id;
    credential.account_name = "Administrator";
    credential.account_sid = "S-1-5-21-1-500";
    credential.sealed_password = Bytes{0x5e, 0xa1, static_cast<std::uint8_t>(time & 0xff)};
    credential.backup_time = T(time);
    return credential;
  }

  AuditEvent Event(const std::string& activity, const std::string& actor, const std::string& target,
                   std::int64_t time) {
    AuditEvent event;
    event.time = T(time);
    event.actor_type = "admin";
    event.actor_id = actor + "-id";
    event.actor_name = actor;
    event.activity = activity;
    event.category = "Device";
    event.result = "success";
    event.target_type = "device";
    event.target_id = target;
    event.target_name = "pc-" + target;
    event.detail_json = R"({"n":1})";
    return event;
  }

  fs::path dir_;
  fs::path path_;
  std::unique_ptr<postgres::ScratchDatabase> pg_;
  std::unique_ptr<Store> store_;
};

class StoreTest : public StoreFixture, public ::testing::WithParamInterface<Backend> {
 protected:
  Backend backend() const override { return GetParam(); }
};

class SqliteStoreTest : public StoreFixture {
 protected:
  Backend backend() const override { return Backend::kSqlite; }
};

class PostgresStoreTest : public StoreFixture {
 protected:
  Backend backend() const override { return Backend::kPostgres; }
};

// --- Opening, migrations, restart ---

TEST_F(SqliteStoreTest, CreatesTheFileWithMode0600) {
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  // WAL's side files inherit the database's permissions.
  ASSERT_OK(store().CreateScopeTag(Tag("Paris")));
  const fs::path wal = path_.string() + "-wal";
  ASSERT_TRUE(fs::exists(wal));
  ASSERT_EQ(::stat(wal.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
}

TEST_P(StoreTest, SeedsTheDefaultScopeTagAndSchemaVersionOnce) {
  ASSERT_OK_AND_ASSIGN(ScopeTag tag, store().GetScopeTag(0));
  EXPECT_EQ(tag.name, "Default");
  Reopen();
  Reopen();
  ASSERT_OK_AND_ASSIGN(std::vector<ScopeTag> tags, store().ListScopeTags());
  ASSERT_EQ(tags.size(), 1u);
  EXPECT_EQ(tags[0].id, 0);
  EXPECT_EQ(RawQuery("SELECT MAX(version) FROM schema_version"), "7");
  EXPECT_EQ(RawQuery("SELECT COUNT(*) FROM schema_version"), "7");
}

TEST_F(SqliteStoreTest, UsesWriteAheadLogging) {
  EXPECT_EQ(RawQuery("PRAGMA journal_mode"), "wal");
}

TEST_P(StoreTest, RefusesADatabaseNewerThanItKnows) {
  ASSERT_OK(RawSql("INSERT INTO schema_version (version) VALUES (99)"));
  Result<std::unique_ptr<Store>> opened = Open();
  EXPECT_EQ(opened.status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(SqliteStoreTest, OpenFailsCleanlyOnAnUnusablePath) {
  Result<std::unique_ptr<Store>> opened = OpenSqliteStore(dir_ / "missing" / "lapsd.db");
  EXPECT_FALSE(opened.ok());
}

TEST_P(StoreTest, RestartKeepsEverything) {
  const Id admin = NewAdmin("alice");
  const Id user = NewUser("bob@example.com");
  const Id device = NewDevice("pc-1");
  const Id group = NewGroup("Laptops", GroupKind::kDevice, {device});
  ASSERT_OK_AND_ASSIGN(ScopeTag tag, store().CreateScopeTag(Tag("Lyon")));
  ASSERT_OK_AND_ASSIGN(RoleDefinition role,
                       store().CreateRole(MakeRole("Helpdesk", {"read", "rotate"})));
  ASSERT_OK(
      store().CreateRoleAssignment(MakeAssignment("Lyon helpdesk", role.id, {admin}, {tag.id})));
  PolicyRecord policy;
  policy.name = "LAPS";
  policy.settings = SampleSettings(30);
  policy.assignments = {{.group = group, .kind = core::AssignmentKind::kInclude}};
  ASSERT_OK_AND_ASSIGN(PolicyRecord created, store().CreatePolicy(policy));
  ASSERT_OK(store().AddPendingCredential(Pending(device, "r1", 100)));
  ASSERT_OK(store().CommitCredential(device, "r1", T(110), T(200), 3));
  ASSERT_OK(store().AppendAudit(Event("Rotate", "alice", "1", 5)));

  Reopen();

  ASSERT_OK_AND_ASSIGN(AdminAccount a, store().GetAdmin(admin));
  EXPECT_EQ(a.name, "alice");
  ASSERT_OK_AND_ASSIGN(User u, store().GetUser(user));
  EXPECT_EQ(u.user_principal_name, "bob@example.com");
  ASSERT_OK_AND_ASSIGN(Group g, store().GetGroup(group));
  EXPECT_EQ(g.member_ids, std::vector<Id>{device});
  ASSERT_OK_AND_ASSIGN(PolicyRecord p, store().GetPolicy(created.id));
  EXPECT_EQ(p.settings, SampleSettings(30));
  ASSERT_EQ(p.assignments.size(), 1u);
  ASSERT_OK_AND_ASSIGN(std::vector<RoleAssignment> assignments, store().ListRoleAssignments());
  ASSERT_EQ(assignments.size(), 1u);
  EXPECT_EQ(assignments[0].scope_tag_ids, std::vector<Id>{tag.id});
  ASSERT_OK_AND_ASSIGN(std::vector<Credential> credentials, store().ListCredentials(device));
  ASSERT_EQ(credentials.size(), 1u);
  EXPECT_EQ(credentials[0].state, CredentialState::kCurrent);
  ASSERT_OK_AND_ASSIGN(Device d, store().GetDevice(device));
  EXPECT_EQ(d.last_rotation, T(110));
  ASSERT_OK_AND_ASSIGN(std::vector<AuditEvent> events, store().QueryAudit({}));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_OK(store().VerifyAudit(std::nullopt));
  // New rows continue after the old ones.
  ASSERT_OK_AND_ASSIGN(AuditEvent next, store().AppendAudit(Event("Rotate", "alice", "1", 6)));
  EXPECT_EQ(next.sequence, 2);
  EXPECT_EQ(next.previous_hash, events[0].hash);
}

// --- Guids and the audit hash ---

// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", lowercase hex, y in [89ab]. (No
// std::regex: GCC 12 warns inside it under the sanitizer build.)
bool IsV4Uuid(const std::string& text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return text[14] == '4' && std::string_view("89ab").find(text[19]) != std::string_view::npos;
}

TEST(GuidTest, IsALowercaseVersion4Uuid) {
  EXPECT_TRUE(IsV4Uuid("123e4567-e89b-42d3-a456-426614174000"));
  EXPECT_FALSE(IsV4Uuid("123e4567-e89b-12d3-a456-426614174000"));
  EXPECT_FALSE(IsV4Uuid("123E4567-e89b-42d3-a456-426614174000"));
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string guid = NewGuid();
    EXPECT_TRUE(IsV4Uuid(guid)) << guid;
    seen.insert(guid);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(AuditHashTest, CoversEveryFieldButTheHashAndIsUnambiguous) {
  for (const bool keyed : {true, false}) {
    SCOPED_TRACE(keyed ? "keyed" : "legacy");
    const auto ComputeAuditHash = [keyed](const AuditEvent& e) {
      return keyed ? ComputeAuditMac(kAuditKey, e) : ComputeLegacyAuditHash(e);
    };
    AuditEvent base;
    base.sequence = 7;
    base.guid = "g";
    base.time = T(1);
    base.actor_id = "ab";
    base.actor_name = "c";
    base.previous_hash = "00";
    const std::string hash = ComputeAuditHash(base);
    EXPECT_EQ(hash.size(), 64u);
    EXPECT_EQ(ComputeAuditHash(base), hash);

    AuditEvent with_hash = base;
    with_hash.hash = "anything";
    EXPECT_EQ(ComputeAuditHash(with_hash), hash);

    // Moving a character across a field boundary changes the hash.
    AuditEvent shifted = base;
    shifted.actor_id = "a";
    shifted.actor_name = "bc";
    EXPECT_NE(ComputeAuditHash(shifted), hash);

    const std::vector<std::function<void(AuditEvent&)>> kChanges = {
        [](AuditEvent& e) { e.sequence = 8; },       [](AuditEvent& e) { e.guid = "h"; },
        [](AuditEvent& e) { e.time = T(2); },        [](AuditEvent& e) { e.actor_type = "device"; },
        [](AuditEvent& e) { e.actor_id = "x"; },     [](AuditEvent& e) { e.actor_name = "x"; },
        [](AuditEvent& e) { e.activity = "x"; },     [](AuditEvent& e) { e.category = "x"; },
        [](AuditEvent& e) { e.result = "x"; },       [](AuditEvent& e) { e.target_type = "x"; },
        [](AuditEvent& e) { e.target_id = "x"; },    [](AuditEvent& e) { e.target_name = "x"; },
        [](AuditEvent& e) { e.detail_json = "{}"; }, [](AuditEvent& e) { e.previous_hash = "01"; },
    };
    for (std::size_t i = 0; i < kChanges.size(); ++i) {
      AuditEvent changed = base;
      kChanges[i](changed);
      EXPECT_NE(ComputeAuditHash(changed), hash) << "change " << i;
    }
  }
}

TEST(AuditHashTest, TheMacDependsOnTheKeyAndDiffersFromTheLegacyHash) {
  AuditEvent event;
  event.sequence = 1;
  event.activity = "Reveal";
  AuditKey other = kAuditKey;
  other[0] ^= 1;
  EXPECT_NE(ComputeAuditMac(kAuditKey, event), ComputeAuditMac(other, event));
  EXPECT_NE(ComputeAuditMac(kAuditKey, event), ComputeLegacyAuditHash(event));
}

// --- Administrators and tokens ---

TEST_P(StoreTest, AdminRoundTripAndUniqueness) {
  AdminAccount admin;
  admin.name = "alice";
  admin.display_name = "Alice";
  admin.password_hash = "$argon2id$v=19$hash";
  admin.disabled = true;
  admin.created_at = T(42);
  ASSERT_OK_AND_ASSIGN(AdminAccount created, store().CreateAdmin(admin));
  EXPECT_GT(created.id, 0);
  EXPECT_EQ(created.guid.size(), 36u);

  ASSERT_OK_AND_ASSIGN(AdminAccount got, store().GetAdmin(created.id));
  EXPECT_EQ(got.guid, created.guid);
  EXPECT_EQ(got.name, "alice");
  EXPECT_EQ(got.display_name, "Alice");
  EXPECT_EQ(got.password_hash, admin.password_hash);
  EXPECT_TRUE(got.disabled);
  EXPECT_EQ(got.created_at, T(42));

  // Login names are unique regardless of ASCII case.
  ASSERT_OK_AND_ASSIGN(AdminAccount by_name, store().GetAdminByName("ALICE"));
  EXPECT_EQ(by_name.id, created.id);
  admin.name = "Alice";
  EXPECT_EQ(store().CreateAdmin(admin).status().code(), StatusCode::kAlreadyExists);

  got.display_name = "Alice B.";
  got.disabled = false;
  ASSERT_OK(store().UpdateAdmin(got));
  ASSERT_OK_AND_ASSIGN(AdminAccount updated, store().GetAdmin(created.id));
  EXPECT_EQ(updated.display_name, "Alice B.");
  EXPECT_FALSE(updated.disabled);

  const Id second = NewAdmin("carol");
  ASSERT_OK_AND_ASSIGN(std::vector<AdminAccount> all, store().ListAdmins());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, created.id);
  EXPECT_EQ(all[1].id, second);

  EXPECT_TRUE(store().GetAdmin(999).status().IsNotFound());
  EXPECT_TRUE(store().GetAdminByName("nobody").status().IsNotFound());
  AdminAccount ghost;
  ghost.id = 999;
  EXPECT_TRUE(store().UpdateAdmin(ghost).IsNotFound());
}

TEST_P(StoreTest, TokenRoundTrip) {
  const Id admin = NewAdmin("alice");
  AdminToken token;
  token.admin_id = admin;
  token.kind = TokenKind::kApi;
  token.name = "ci";
  token.token_hash = "abc123";
  token.created_at = T(10);
  token.expires_at = T(20);
  ASSERT_OK_AND_ASSIGN(AdminToken created, store().CreateToken(token));
  ASSERT_OK_AND_ASSIGN(AdminToken got, store().GetTokenByHash("abc123"));
  EXPECT_EQ(got.id, created.id);
  EXPECT_EQ(got.guid, created.guid);
  EXPECT_EQ(got.admin_id, admin);
  EXPECT_EQ(got.kind, TokenKind::kApi);
  EXPECT_EQ(got.name, "ci");
  EXPECT_EQ(got.created_at, T(10));
  EXPECT_EQ(got.expires_at, T(20));

  EXPECT_EQ(store().CreateToken(token).status().code(), StatusCode::kAlreadyExists);
  token.token_hash = "other";
  token.admin_id = 999;
  EXPECT_TRUE(store().CreateToken(token).status().IsNotFound());

  ASSERT_OK_AND_ASSIGN(std::vector<AdminToken> tokens, store().ListTokens(admin));
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_TRUE(store().ListTokens(999).status().IsNotFound());

  ASSERT_OK(store().DeleteToken(created.id));
  EXPECT_TRUE(store().GetTokenByHash("abc123").status().IsNotFound());
  EXPECT_TRUE(store().DeleteToken(created.id).IsNotFound());
}

TEST_P(StoreTest, DeletingTokensOfAnAdminLeavesOthersTokens) {
  const Id alice = NewAdmin("alice");
  const Id bob = NewAdmin("bob");
  AdminToken token;
  token.created_at = T(10);
  token.expires_at = T(20);
  for (const auto& [admin, hash] :
       std::vector<std::pair<Id, std::string>>{{alice, "a1"}, {alice, "a2"}, {bob, "b1"}}) {
    token.admin_id = admin;
    token.token_hash = hash;
    ASSERT_OK(store().CreateToken(token).status());
  }
  ASSERT_OK_AND_ASSIGN(std::int64_t deleted, store().DeleteTokensOfAdmin(alice));
  EXPECT_EQ(deleted, 2);
  EXPECT_TRUE(store().GetTokenByHash("a1").status().IsNotFound());
  EXPECT_TRUE(store().GetTokenByHash("a2").status().IsNotFound());
  EXPECT_OK(store().GetTokenByHash("b1").status());
  ASSERT_OK_AND_ASSIGN(deleted, store().DeleteTokensOfAdmin(alice));
  EXPECT_EQ(deleted, 0);
  EXPECT_TRUE(store().DeleteTokensOfAdmin(999).status().IsNotFound());
}

TEST_P(StoreTest, DeletingAnAdminTakesItsTokensAndMemberships) {
  const Id alice = NewAdmin("alice");
  const Id bob = NewAdmin("bob");
  AdminToken token;
  token.admin_id = alice;
  token.token_hash = "a1";
  token.expires_at = T(20);
  ASSERT_OK(store().CreateToken(token).status());
  ASSERT_OK_AND_ASSIGN(RoleDefinition role, store().CreateRole(MakeRole("R")));
  ASSERT_OK_AND_ASSIGN(RoleAssignment assignment, store().CreateRoleAssignment(MakeAssignment(
                                                      "A", role.id, {alice, bob}, {})));

  ASSERT_OK(store().DeleteAdmin(alice));
  EXPECT_TRUE(store().GetAdmin(alice).status().IsNotFound());
  EXPECT_TRUE(store().GetTokenByHash("a1").status().IsNotFound());
  ASSERT_OK_AND_ASSIGN(RoleAssignment got, store().GetRoleAssignmentByGuid(assignment.guid));
  EXPECT_EQ(got.admin_ids, std::vector<Id>{bob});
  EXPECT_TRUE(store().DeleteAdmin(alice).IsNotFound());
  // The name is free again.
  EXPECT_NE(NewAdmin("alice"), 0);
}

// --- Throttles ---

TEST_P(StoreTest, ThrottleCountsInAWindowAndBlocksAtTheLimit) {
  constexpr std::chrono::seconds kWindow{100};
  constexpr std::chrono::seconds kBlock{50};
  EXPECT_TRUE(store().GetThrottle("account:alice").status().IsNotFound());
  ASSERT_OK_AND_ASSIGN(ThrottleRecord r,
                       store().CountThrottleEvent("account:alice", T(1000), kWindow, 3, kBlock));
  EXPECT_EQ(r.subject, "account:alice");
  EXPECT_EQ(r.events, 1);
  EXPECT_EQ(r.window_start, T(1000));
  EXPECT_FALSE(r.blocked_until.has_value());
  ASSERT_OK_AND_ASSIGN(r, store().CountThrottleEvent("account:alice", T(1010), kWindow, 3, kBlock));
  EXPECT_EQ(r.events, 2);
  EXPECT_FALSE(r.blocked_until.has_value());
  ASSERT_OK_AND_ASSIGN(r, store().CountThrottleEvent("account:alice", T(1020), kWindow, 3, kBlock));
  EXPECT_EQ(r.events, 3);
  ASSERT_TRUE(r.blocked_until.has_value());
  EXPECT_EQ(*r.blocked_until, T(1070));
  ASSERT_OK_AND_ASSIGN(ThrottleRecord got, store().GetThrottle("account:alice"));
  EXPECT_EQ(got.events, 3);
  EXPECT_EQ(got.blocked_until, r.blocked_until);

  // Another subject counts apart.
  ASSERT_OK_AND_ASSIGN(r,
                       store().CountThrottleEvent("source:192.0.2.7", T(1020), kWindow, 3, kBlock));
  EXPECT_EQ(r.events, 1);

  ASSERT_OK_AND_ASSIGN(std::vector<ThrottleRecord> blocked, store().ListBlockedThrottles(T(1030)));
  ASSERT_EQ(blocked.size(), 1u);
  EXPECT_EQ(blocked[0].subject, "account:alice");
  ASSERT_OK_AND_ASSIGN(blocked, store().ListBlockedThrottles(T(1070)));
  EXPECT_TRUE(blocked.empty());

  // Still inside the window after the block: counting continues and blocks again.
  ASSERT_OK_AND_ASSIGN(r, store().CountThrottleEvent("account:alice", T(1080), kWindow, 3, kBlock));
  EXPECT_EQ(r.events, 4);
  EXPECT_EQ(*r.blocked_until, T(1130));
  // A window older than kWindow whose block ended starts over.
  ASSERT_OK_AND_ASSIGN(r, store().CountThrottleEvent("account:alice", T(1200), kWindow, 3, kBlock));
  EXPECT_EQ(r.events, 1);
  EXPECT_EQ(r.window_start, T(1200));
  EXPECT_FALSE(r.blocked_until.has_value());

  ASSERT_OK(store().ClearThrottle("account:alice"));
  EXPECT_TRUE(store().GetThrottle("account:alice").status().IsNotFound());
  EXPECT_TRUE(store().ClearThrottle("account:alice").IsNotFound());
  EXPECT_OK(store().GetThrottle("source:192.0.2.7").status());
}

TEST_P(StoreTest, ThrottleWithALimitOfOneBlocksAtOnce) {
  ASSERT_OK_AND_ASSIGN(ThrottleRecord r,
                       store().CountThrottleEvent("reveal:x", T(5), std::chrono::seconds(10), 1,
                                                  std::chrono::seconds(10)));
  EXPECT_EQ(r.events, 1);
  EXPECT_EQ(r.blocked_until, T(15));
}

// --- Scope tags, roles, role assignments ---

TEST_P(StoreTest, ScopeTagLifecycle) {
  ASSERT_OK_AND_ASSIGN(ScopeTag tag, store().CreateScopeTag(Tag("Paris", "HQ")));
  EXPECT_GT(tag.id, 0);
  EXPECT_EQ(store().CreateScopeTag(Tag("Paris")).status().code(), StatusCode::kAlreadyExists);
  tag.description = "Head office";
  ASSERT_OK(store().UpdateScopeTag(tag));
  ASSERT_OK_AND_ASSIGN(ScopeTag got, store().GetScopeTag(tag.id));
  EXPECT_EQ(got.description, "Head office");
  ASSERT_OK_AND_ASSIGN(std::vector<ScopeTag> tags, store().ListScopeTags());
  ASSERT_EQ(tags.size(), 2u);
  EXPECT_EQ(tags[0].id, 0);
  EXPECT_EQ(tags[1].id, tag.id);

  EXPECT_TRUE(store().DeleteScopeTag(0).IsFailedPrecondition());

  // In use by a device: refused, so no one silently loses or gains reach.
  Device device;
  device.name = "pc";
  device.scope_tag_ids = {tag.id};
  ASSERT_OK_AND_ASSIGN(Device created, store().CreateDevice(device));
  EXPECT_TRUE(store().DeleteScopeTag(tag.id).IsFailedPrecondition());

  ASSERT_OK_AND_ASSIGN(ScopeTag unused, store().CreateScopeTag(Tag("Spare")));
  ASSERT_OK(store().DeleteScopeTag(unused.id));
  EXPECT_TRUE(store().GetScopeTag(unused.id).status().IsNotFound());
  EXPECT_TRUE(store().DeleteScopeTag(unused.id).IsNotFound());
  EXPECT_TRUE(store().UpdateScopeTag(unused).IsNotFound());
}

TEST_P(StoreTest, RoleLifecycle) {
  RoleDefinition role;
  role.name = "Helpdesk";
  role.description = "Front line";
  role.permissions = {"devices.read", "laps.rotate", "devices.read", "laps.password.read"};
  ASSERT_OK_AND_ASSIGN(RoleDefinition created, store().CreateRole(role));
  const std::vector<std::string> kDeduplicated = {"devices.read", "laps.rotate",
                                                  "laps.password.read"};
  EXPECT_EQ(created.permissions, kDeduplicated);
  EXPECT_FALSE(created.built_in);

  ASSERT_OK_AND_ASSIGN(RoleDefinition by_guid, store().GetRoleByGuid(created.guid));
  EXPECT_EQ(by_guid.id, created.id);
  EXPECT_EQ(by_guid.description, "Front line");
  EXPECT_EQ(by_guid.permissions, kDeduplicated);
  EXPECT_EQ(store().CreateRole(role).status().code(), StatusCode::kAlreadyExists);

  created.name = "Service desk";
  created.permissions = {"audit.read"};
  ASSERT_OK(store().UpdateRole(created));
  ASSERT_OK_AND_ASSIGN(RoleDefinition updated, store().GetRole(created.id));
  EXPECT_EQ(updated.name, "Service desk");
  EXPECT_EQ(updated.permissions, std::vector<std::string>{"audit.read"});

  ASSERT_OK_AND_ASSIGN(RoleDefinition built_in,
                       store().CreateRole(MakeRole("LAPS Administrator", {"*"}, true)));
  EXPECT_TRUE(store().DeleteRole(built_in.id).IsFailedPrecondition());

  const Id admin = NewAdmin("alice");
  ASSERT_OK_AND_ASSIGN(RoleAssignment assignment,
                       store().CreateRoleAssignment(MakeAssignment("a", created.id, {admin})));
  EXPECT_TRUE(store().DeleteRole(created.id).IsFailedPrecondition());
  ASSERT_OK(store().DeleteRoleAssignment(assignment.id));
  ASSERT_OK(store().DeleteRole(created.id));
  EXPECT_TRUE(store().GetRole(created.id).status().IsNotFound());
  EXPECT_TRUE(store().DeleteRole(created.id).IsNotFound());
  EXPECT_TRUE(store().GetRoleByGuid("nope").status().IsNotFound());

  ASSERT_OK_AND_ASSIGN(std::vector<RoleDefinition> roles, store().ListRoles());
  ASSERT_EQ(roles.size(), 1u);
  EXPECT_EQ(roles[0].id, built_in.id);
  EXPECT_TRUE(roles[0].built_in);
}

TEST_P(StoreTest, RoleAssignmentLifecycle) {
  const Id alice = NewAdmin("alice");
  const Id bob = NewAdmin("bob");
  ASSERT_OK_AND_ASSIGN(RoleDefinition role, store().CreateRole(MakeRole("R")));
  ASSERT_OK_AND_ASSIGN(ScopeTag tag, store().CreateScopeTag(Tag("Lyon")));

  RoleAssignment assignment = MakeAssignment("Lyon", role.id, {bob, alice}, {tag.id, 0});
  ASSERT_OK_AND_ASSIGN(RoleAssignment created, store().CreateRoleAssignment(assignment));
  ASSERT_OK_AND_ASSIGN(RoleAssignment got, store().GetRoleAssignmentByGuid(created.guid));
  EXPECT_EQ(got.name, "Lyon");
  EXPECT_EQ(got.role_id, role.id);
  EXPECT_EQ(got.admin_ids, (std::vector<Id>{alice, bob}));
  EXPECT_EQ(got.scope_tag_ids, (std::vector<Id>{0, tag.id}));

  ASSERT_OK_AND_ASSIGN(std::vector<RoleAssignment> for_bob,
                       store().ListRoleAssignmentsForAdmin(bob));
  ASSERT_EQ(for_bob.size(), 1u);

  got.admin_ids = {alice};
  got.scope_tag_ids = {tag.id};
  got.name = "Lyon only";
  ASSERT_OK(store().UpdateRoleAssignment(got));
  ASSERT_OK_AND_ASSIGN(for_bob, store().ListRoleAssignmentsForAdmin(bob));
  EXPECT_TRUE(for_bob.empty());
  ASSERT_OK_AND_ASSIGN(std::vector<RoleAssignment> all, store().ListRoleAssignments());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].name, "Lyon only");
  EXPECT_EQ(all[0].scope_tag_ids, std::vector<Id>{tag.id});

  assignment.role_id = 999;
  EXPECT_TRUE(store().CreateRoleAssignment(assignment).status().IsNotFound());
  assignment.role_id = role.id;
  assignment.admin_ids = {999};
  EXPECT_TRUE(store().CreateRoleAssignment(assignment).status().IsNotFound());
  assignment.admin_ids = {};
  assignment.scope_tag_ids = {999};
  EXPECT_TRUE(store().CreateRoleAssignment(assignment).status().IsNotFound());
  got.id = 999;
  EXPECT_TRUE(store().UpdateRoleAssignment(got).IsNotFound());
  EXPECT_TRUE(store().ListRoleAssignmentsForAdmin(999).status().IsNotFound());

  ASSERT_OK(store().DeleteRoleAssignment(created.id));
  EXPECT_TRUE(store().GetRoleAssignmentByGuid(created.guid).status().IsNotFound());
  EXPECT_TRUE(store().DeleteRoleAssignment(created.id).IsNotFound());
}

// --- Users and groups ---

TEST_P(StoreTest, UserRoundTrip) {
  ASSERT_OK_AND_ASSIGN(User created, store().CreateUser(MakeUser("bob@example.com", "Bob")));
  ASSERT_OK_AND_ASSIGN(User by_id, store().GetUser(created.id));
  EXPECT_EQ(by_id.display_name, "Bob");
  ASSERT_OK_AND_ASSIGN(User by_guid, store().GetUserByGuid(created.guid));
  EXPECT_EQ(by_guid.id, created.id);
  ASSERT_OK_AND_ASSIGN(User by_upn, store().GetUserByPrincipalName("Bob@Example.com"));
  EXPECT_EQ(by_upn.id, created.id);
  EXPECT_EQ(store().CreateUser(MakeUser("BOB@example.com")).status().code(),
            StatusCode::kAlreadyExists);
  NewUser("carol@example.com");
  ASSERT_OK_AND_ASSIGN(std::vector<User> users, store().ListUsers());
  EXPECT_EQ(users.size(), 2u);
  EXPECT_TRUE(store().GetUser(999).status().IsNotFound());
  EXPECT_TRUE(store().GetUserByGuid("x").status().IsNotFound());
  EXPECT_TRUE(store().GetUserByPrincipalName("x").status().IsNotFound());
}

TEST_P(StoreTest, GroupMembershipAndLookups) {
  const Id pc1 = NewDevice("pc-1");
  const Id pc2 = NewDevice("pc-2");
  const Id bob = NewUser("bob@example.com");

  Group group;
  group.display_name = "Laptops";
  group.description = "All laptops";
  group.kind = GroupKind::kDevice;
  group.member_ids = {pc2, pc1, pc2};
  ASSERT_OK_AND_ASSIGN(Group created, store().CreateGroup(group));
  EXPECT_EQ(created.member_ids, (std::vector<Id>{pc1, pc2}));
  ASSERT_OK_AND_ASSIGN(Group got, store().GetGroupByGuid(created.guid));
  EXPECT_EQ(got.display_name, "Laptops");
  EXPECT_EQ(got.description, "All laptops");
  EXPECT_EQ(got.kind, GroupKind::kDevice);
  EXPECT_EQ(got.member_ids, (std::vector<Id>{pc1, pc2}));

  const Id users = NewGroup("Admins", GroupKind::kUser, {bob});
  ASSERT_OK_AND_ASSIGN(Group user_group, store().GetGroup(users));
  EXPECT_EQ(user_group.kind, GroupKind::kUser);
  EXPECT_EQ(user_group.member_ids, std::vector<Id>{bob});

  // A user id in a device group names no device.
  group.member_ids = {999};
  EXPECT_TRUE(store().CreateGroup(group).status().IsNotFound());

  const Id desktops = NewGroup("Desktops", GroupKind::kDevice);
  ASSERT_OK(store().AddGroupMember(desktops, pc1));
  ASSERT_OK(store().AddGroupMember(desktops, pc1));  // idempotent
  ASSERT_OK_AND_ASSIGN(std::vector<Id> of_pc1, store().ListGroupsOf(GroupKind::kDevice, pc1));
  EXPECT_EQ(of_pc1, (std::vector<Id>{created.id, desktops}));
  ASSERT_OK_AND_ASSIGN(std::vector<Id> of_bob, store().ListGroupsOf(GroupKind::kUser, bob));
  EXPECT_EQ(of_bob, std::vector<Id>{users});

  ASSERT_OK(store().RemoveGroupMember(desktops, pc1));
  EXPECT_TRUE(store().RemoveGroupMember(desktops, pc1).IsNotFound());
  EXPECT_TRUE(store().AddGroupMember(999, pc1).IsNotFound());
  EXPECT_TRUE(store().AddGroupMember(desktops, 999).IsNotFound());
  EXPECT_TRUE(store().ListGroupsOf(GroupKind::kDevice, 999).status().IsNotFound());

  got.display_name = "Notebooks";
  got.member_ids = {};  // UpdateGroup leaves members alone
  ASSERT_OK(store().UpdateGroup(got));
  ASSERT_OK_AND_ASSIGN(Group renamed, store().GetGroup(created.id));
  EXPECT_EQ(renamed.display_name, "Notebooks");
  EXPECT_EQ(renamed.member_ids.size(), 2u);

  ASSERT_OK_AND_ASSIGN(std::vector<Group> all, store().ListGroups());
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].member_ids.size(), 2u);

  ASSERT_OK(store().DeleteGroup(desktops));
  EXPECT_TRUE(store().GetGroup(desktops).status().IsNotFound());
  EXPECT_TRUE(store().DeleteGroup(desktops).IsNotFound());
  got.id = 999;
  EXPECT_TRUE(store().UpdateGroup(got).IsNotFound());
}

TEST_P(StoreTest, GroupScopeTags) {
  ASSERT_OK_AND_ASSIGN(ScopeTag paris, store().CreateScopeTag(Tag("Paris")));
  Group group;
  group.display_name = "Paris laptops";
  group.scope_tag_ids = {paris.id, 0, paris.id};
  ASSERT_OK_AND_ASSIGN(Group created, store().CreateGroup(group));
  EXPECT_EQ(created.scope_tag_ids, (std::vector<Id>{0, paris.id}));
  ASSERT_OK_AND_ASSIGN(Group got, store().GetGroupByGuid(created.guid));
  EXPECT_EQ(got.scope_tag_ids, (std::vector<Id>{0, paris.id}));
  ASSERT_OK_AND_ASSIGN(std::vector<Group> all, store().ListGroups());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].scope_tag_ids, (std::vector<Id>{0, paris.id}));

  // UpdateGroup renames; it never moves a group between scopes.
  got.display_name = "Paris notebooks";
  got.scope_tag_ids = {};
  ASSERT_OK(store().UpdateGroup(got));
  ASSERT_OK_AND_ASSIGN(Group renamed, store().GetGroup(created.id));
  EXPECT_EQ(renamed.scope_tag_ids, (std::vector<Id>{0, paris.id}));

  // An unknown tag is refused and leaves nothing behind.
  group.display_name = "Nowhere";
  group.scope_tag_ids = {987};
  EXPECT_TRUE(store().CreateGroup(group).status().IsNotFound());
  ASSERT_OK_AND_ASSIGN(all, store().ListGroups());
  EXPECT_EQ(all.size(), 1u);

  // A tag a group still carries cannot be deleted; deleting the group frees it.
  EXPECT_FALSE(store().DeleteScopeTag(paris.id).ok());
  ASSERT_OK(store().DeleteGroup(created.id));
  ASSERT_OK(store().DeleteScopeTag(paris.id));
}

// --- Policies ---

// Every change a policy cache depends on moves the epoch; other changes
// leave it, so caches are not thrown away for nothing.
TEST_P(StoreTest, PolicyEpochMovesOnEveryPolicyChange) {
  const Id device = NewDevice("pc-1");
  const Id group = NewGroup("Laptops", GroupKind::kDevice, {device});
  ASSERT_OK_AND_ASSIGN(ScopeTag tag, store().CreateScopeTag(Tag("Lyon")));
  ASSERT_OK_AND_ASSIGN(std::int64_t epoch, store().PolicyEpoch());
  auto moved = [&]() {
    Result<std::int64_t> now = store().PolicyEpoch();
    EXPECT_OK(now);
    const bool changed = now.ok() && *now != epoch;
    if (now.ok()) epoch = *now;
    return changed;
  };
  ASSERT_OK_AND_ASSIGN(PolicyRecord policy, store().CreatePolicy(NamedPolicy("LAPS")));
  EXPECT_TRUE(moved()) << "create";
  policy.settings = SampleSettings(30);
  ASSERT_OK(store().UpdatePolicy(policy));
  EXPECT_TRUE(moved()) << "update";
  policy.scope_tag_ids = {tag.id};
  ASSERT_OK(store().UpdatePolicy(policy));
  EXPECT_TRUE(moved()) << "scope tags";
  ASSERT_OK(store().SetPolicyAssignments(
      policy.id, {{.group = group, .kind = core::AssignmentKind::kInclude}}));
  EXPECT_TRUE(moved()) << "assign";
  CheckinUpdate checkin;
  checkin.time = T(5);
  ASSERT_OK(store().RecordCheckin(device, checkin));
  ASSERT_OK(store().AppendAudit(Event("Rotate", "alice", "1", 5)));
  EXPECT_FALSE(moved()) << "unrelated writes";
  ASSERT_OK(store().DeleteGroup(group));  // cascades to the assignment
  EXPECT_TRUE(moved()) << "group delete";
  ASSERT_OK(store().DeletePolicy(policy.id));
  EXPECT_TRUE(moved()) << "delete";
}

TEST_P(StoreTest, PolicyLifecycle) {
  const Id include = NewGroup("Include", GroupKind::kDevice);
  const Id exclude = NewGroup("Exclude", GroupKind::kDevice);
  ASSERT_OK_AND_ASSIGN(ScopeTag tag, store().CreateScopeTag(Tag("Lyon")));

  PolicyRecord policy;
  policy.name = "Windows LAPS";
  policy.description = "Rotate monthly";
  policy.platforms = core::PlatformBit(core::Platform::kWindows);
  policy.settings = SampleSettings(30);
  policy.scope_tag_ids = {tag.id};
  policy.created_at = T(100);
  policy.modified_at = T(100);
  policy.version = 9;  // ignored: a new policy is version 1
  policy.assignments = {{.group = include, .kind = core::AssignmentKind::kInclude},
                        {.group = exclude, .kind = core::AssignmentKind::kExclude}};
  ASSERT_OK_AND_ASSIGN(PolicyRecord created, store().CreatePolicy(policy));
  EXPECT_EQ(created.version, 1);

  ASSERT_OK_AND_ASSIGN(PolicyRecord got, store().GetPolicyByGuid(created.guid));
  EXPECT_EQ(got.id, created.id);
  EXPECT_EQ(got.name, "Windows LAPS");
  EXPECT_EQ(got.description, "Rotate monthly");
  EXPECT_EQ(got.platforms, core::PlatformBit(core::Platform::kWindows));
  EXPECT_EQ(got.settings, SampleSettings(30));
  EXPECT_EQ(got.scope_tag_ids, std::vector<Id>{tag.id});
  EXPECT_EQ(got.created_at, T(100));
  ASSERT_EQ(got.assignments.size(), 2u);
  EXPECT_EQ(got.assignments[0].group, include);
  EXPECT_EQ(got.assignments[0].kind, core::AssignmentKind::kInclude);
  EXPECT_EQ(got.assignments[1].group, exclude);
  EXPECT_EQ(got.assignments[1].kind, core::AssignmentKind::kExclude);

  got.settings = SampleSettings(14);
  got.name = "Windows LAPS v2";
  got.scope_tag_ids = {};
  got.modified_at = T(200);
  got.created_at = T(1);  // immutable
  got.assignments = {};   // UpdatePolicy leaves assignments alone
  ASSERT_OK_AND_ASSIGN(PolicyRecord updated, store().UpdatePolicy(got));
  EXPECT_EQ(updated.version, 2);
  EXPECT_EQ(updated.modified_at, T(200));
  EXPECT_EQ(updated.created_at, T(100));
  EXPECT_EQ(updated.settings, SampleSettings(14));
  EXPECT_TRUE(updated.scope_tag_ids.empty());
  EXPECT_EQ(updated.assignments.size(), 2u);

  // Deleting a group removes the assignments that target it.
  ASSERT_OK(store().DeleteGroup(exclude));
  ASSERT_OK_AND_ASSIGN(PolicyRecord after_delete, store().GetPolicy(created.id));
  ASSERT_EQ(after_delete.assignments.size(), 1u);
  EXPECT_EQ(after_delete.assignments[0].group, include);

  EXPECT_TRUE(store().SetPolicyAssignments(created.id, {{.group = 999}}).IsNotFound());
  EXPECT_EQ(
      store().SetPolicyAssignments(created.id, {{.group = include}, {.group = include}}).code(),
      StatusCode::kInvalidArgument);
  EXPECT_TRUE(store().SetPolicyAssignments(999, {}).IsNotFound());
  ASSERT_OK(store().SetPolicyAssignments(
      created.id, {{.group = include, .kind = core::AssignmentKind::kExclude}}));
  ASSERT_OK_AND_ASSIGN(std::vector<PolicyRecord> all, store().ListPolicies());
  ASSERT_EQ(all.size(), 1u);
  ASSERT_EQ(all[0].assignments.size(), 1u);
  EXPECT_EQ(all[0].assignments[0].kind, core::AssignmentKind::kExclude);
  EXPECT_EQ(all[0].version, 2);  // assignments are not settings

  PolicyRecord ghost = got;
  ghost.id = 999;
  EXPECT_TRUE(store().UpdatePolicy(ghost).status().IsNotFound());
  policy.scope_tag_ids = {999};
  EXPECT_TRUE(store().CreatePolicy(policy).status().IsNotFound());

  ASSERT_OK(store().DeletePolicy(created.id));
  EXPECT_TRUE(store().GetPolicy(created.id).status().IsNotFound());
  EXPECT_TRUE(store().DeletePolicy(created.id).IsNotFound());
}

// --- Enrollment ---

TEST_P(StoreTest, EnrollmentTokenUsesAndExpiry) {
  const Id group = NewGroup("New devices", GroupKind::kDevice);
  ASSERT_OK_AND_ASSIGN(ScopeTag tag, store().CreateScopeTag(Tag("Lyon")));
  EnrollmentToken token;
  token.name = "lab";
  token.token_hash = "hash-1";
  token.created_at = T(100);
  token.expires_at = T(200);
  token.uses_left = 2;
  token.scope_tag_ids = {tag.id};
  token.group_ids = {group};
  ASSERT_OK_AND_ASSIGN(EnrollmentToken created, store().CreateEnrollmentToken(token));
  EXPECT_EQ(store().CreateEnrollmentToken(token).status().code(), StatusCode::kAlreadyExists);

  ASSERT_OK_AND_ASSIGN(EnrollmentToken first, store().ConsumeEnrollmentToken("hash-1", T(150)));
  EXPECT_EQ(first.id, created.id);
  EXPECT_EQ(first.uses_left, 1);
  EXPECT_EQ(first.scope_tag_ids, std::vector<Id>{tag.id});
  EXPECT_EQ(first.group_ids, std::vector<Id>{group});

  // Expired and unknown tokens fail exactly like a used-up one.
  const Status expired = store().ConsumeEnrollmentToken("hash-1", T(200)).status();
  EXPECT_TRUE(expired.IsUnauthenticated());
  const Status unknown = store().ConsumeEnrollmentToken("nope", T(150)).status();
  EXPECT_EQ(unknown, expired);

  ASSERT_OK_AND_ASSIGN(EnrollmentToken second, store().ConsumeEnrollmentToken("hash-1", T(199)));
  EXPECT_EQ(second.uses_left, 0);
  EXPECT_EQ(store().ConsumeEnrollmentToken("hash-1", T(150)).status(), expired);

  ASSERT_OK_AND_ASSIGN(std::vector<EnrollmentToken> all, store().ListEnrollmentTokens());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].uses_left, 0);
  EXPECT_EQ(all[0].name, "lab");

  token.token_hash = "hash-2";
  token.uses_left = -1;
  EXPECT_EQ(store().CreateEnrollmentToken(token).status().code(), StatusCode::kInvalidArgument);
  token.uses_left = 1;
  token.group_ids = {NewGroup("Users", GroupKind::kUser)};
  EXPECT_EQ(store().CreateEnrollmentToken(token).status().code(), StatusCode::kInvalidArgument);

  ASSERT_OK(store().DeleteEnrollmentToken(created.id));
  EXPECT_TRUE(store().DeleteEnrollmentToken(created.id).IsNotFound());
}

// --- Devices ---

TEST_P(StoreTest, DeviceRoundTripAndCheckin) {
  const Id bob = NewUser("bob@example.com");
  const Id carol = NewUser("carol@example.com");
  ASSERT_OK_AND_ASSIGN(ScopeTag tag, store().CreateScopeTag(Tag("Lyon")));
  Device device;
  device.name = "pc-1";
  device.platform = core::Platform::kMacOS;
  device.os_version = "14.4";
  device.serial_number = "C02XYZ";
  device.join_type = "azureADJoined";
  device.ownership = "company";
  device.primary_user_id = bob;
  device.scope_tag_ids = {tag.id, 0};
  device.sign_public_key = Bytes(32, 0xab);
  device.box_public_key = Bytes{};
  device.enrolled_at = T(1000);
  device.applied_settings = SampleSettings(30);
  device.managed_account_name = "admin";
  device.next_rotation = T(5000);
  device.laps_state = "ok";
  ASSERT_OK_AND_ASSIGN(Device created, store().CreateDevice(device));

  ASSERT_OK_AND_ASSIGN(Device got, store().GetDeviceByGuid(created.guid));
  EXPECT_EQ(got.id, created.id);
  EXPECT_EQ(got.name, "pc-1");
  EXPECT_EQ(got.platform, core::Platform::kMacOS);
  EXPECT_EQ(got.os_version, "14.4");
  EXPECT_EQ(got.serial_number, "C02XYZ");
  EXPECT_EQ(got.join_type, "azureADJoined");
  EXPECT_EQ(got.ownership, "company");
  EXPECT_EQ(got.primary_user_id, bob);
  EXPECT_EQ(got.signed_in_user_id, std::nullopt);
  EXPECT_EQ(got.scope_tag_ids, (std::vector<Id>{0, tag.id}));
  EXPECT_EQ(got.sign_public_key, Bytes(32, 0xab));
  EXPECT_TRUE(got.box_public_key.empty());
  EXPECT_EQ(got.enrolled_at, T(1000));
  EXPECT_EQ(got.last_checkin, std::nullopt);
  EXPECT_EQ(got.applied_settings, SampleSettings(30));
  EXPECT_EQ(got.managed_account_name, "admin");
  EXPECT_EQ(got.last_rotation, std::nullopt);
  EXPECT_EQ(got.next_rotation, T(5000));
  EXPECT_EQ(got.laps_state, "ok");
  EXPECT_EQ(got.rotate_after_reveal_at, std::nullopt);

  CheckinUpdate update;
  update.time = T(2000);
  update.name = "pc-1-renamed";
  update.os_version = "14.5";
  update.signed_in_user_id = carol;
  update.managed_account_name = "admin2";
  update.managed_account_sid = "501";
  update.laps_state = "rotated";
  ASSERT_OK(store().RecordCheckin(created.id, update));
  ASSERT_OK_AND_ASSIGN(got, store().GetDevice(created.id));
  EXPECT_EQ(got.last_checkin, T(2000));
  EXPECT_EQ(got.name, "pc-1-renamed");
  EXPECT_EQ(got.os_version, "14.5");
  EXPECT_EQ(got.signed_in_user_id, carol);
  EXPECT_EQ(got.applied_settings, SampleSettings(30));  // nullopt leaves it alone
  EXPECT_EQ(got.managed_account_sid, "501");
  EXPECT_EQ(got.laps_state, "rotated");

  update.applied_settings = SampleSettings(7);
  update.signed_in_user_id = std::nullopt;
  ASSERT_OK(store().RecordCheckin(created.id, update));
  ASSERT_OK_AND_ASSIGN(got, store().GetDevice(created.id));
  EXPECT_EQ(got.applied_settings, SampleSettings(7));
  EXPECT_EQ(got.signed_in_user_id, std::nullopt);

  ASSERT_OK(store().SetRotateAfterReveal(created.id, T(3000)));
  ASSERT_OK_AND_ASSIGN(got, store().GetDevice(created.id));
  EXPECT_EQ(got.rotate_after_reveal_at, T(3000));
  ASSERT_OK(store().SetRotateAfterReveal(created.id, std::nullopt));
  ASSERT_OK_AND_ASSIGN(got, store().GetDevice(created.id));
  EXPECT_EQ(got.rotate_after_reveal_at, std::nullopt);

  NewDevice("pc-2");
  ASSERT_OK_AND_ASSIGN(std::vector<Device> all, store().ListDevices());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, created.id);

  EXPECT_TRUE(store().GetDevice(999).status().IsNotFound());
  EXPECT_TRUE(store().GetDeviceByGuid("x").status().IsNotFound());
  EXPECT_TRUE(store().RecordCheckin(999, update).IsNotFound());
  EXPECT_TRUE(store().SetRotateAfterReveal(999, std::nullopt).IsNotFound());
  device.primary_user_id = 999;
  EXPECT_TRUE(store().CreateDevice(device).status().IsNotFound());
}

TEST_P(StoreTest, ALongPollIsRecordedOnTheDevice) {
  const Id device = NewDevice("pc-1");
  ASSERT_OK_AND_ASSIGN(Device before, store().GetDevice(device));
  EXPECT_FALSE(before.parked_until.has_value());
  ASSERT_OK(store().RecordLongPoll(device, T(4000), T(4600)));
  ASSERT_OK_AND_ASSIGN(Device after, store().GetDevice(device));
  EXPECT_EQ(after.parked_until, T(4600));
  EXPECT_TRUE(store().RecordLongPoll(999, T(1), T(1)).IsNotFound());
}

TEST_P(StoreTest, NonceReplayIsRefusedUntilItExpires) {
  const Id pc1 = NewDevice("pc-1");
  const Id pc2 = NewDevice("pc-2");
  ASSERT_OK_AND_ASSIGN(bool fresh, store().RememberNonce(pc1, "n1", T(100), T(400)));
  EXPECT_TRUE(fresh);
  ASSERT_OK_AND_ASSIGN(bool replay, store().RememberNonce(pc1, "n1", T(101), T(401)));
  EXPECT_FALSE(replay);
  ASSERT_OK_AND_ASSIGN(bool other_device, store().RememberNonce(pc2, "n1", T(101), T(401)));
  EXPECT_TRUE(other_device);
  ASSERT_OK_AND_ASSIGN(bool still_replay, store().RememberNonce(pc1, "n1", T(399), T(699)));
  EXPECT_FALSE(still_replay);
  // Pruned once expired.
  ASSERT_OK_AND_ASSIGN(bool after_expiry, store().RememberNonce(pc1, "n1", T(400), T(700)));
  EXPECT_TRUE(after_expiry);
  // A call prunes its own device's expired nonces only, so concurrent
  // check-ins of different devices never touch the same rows.
  ASSERT_OK(store().RememberNonce(pc2, "n2", T(1000), T(1300)));
  EXPECT_EQ(RawQuery("SELECT COUNT(*) FROM device_nonces"), "2");
  Reopen();  // RawQuery closed it
  ASSERT_OK(store().RememberNonce(pc1, "n3", T(1000), T(1300)));
  EXPECT_EQ(RawQuery("SELECT COUNT(*) FROM device_nonces"), "2");  // n2 and n3
}

TEST_P(StoreTest, PolicyReportsReplaceTheDevicesSet) {
  const Id pc1 = NewDevice("pc-1");
  const Id pc2 = NewDevice("pc-2");
  ASSERT_OK_AND_ASSIGN(PolicyRecord p1, store().CreatePolicy(NamedPolicy("p1")));
  ASSERT_OK_AND_ASSIGN(PolicyRecord p2, store().CreatePolicy(NamedPolicy("p2")));
  const PolicyReportRecord report = Report(p2.id, core::PolicyStateKind::kConflict, 3,
                                           "PasswordAgeDays conflicts with policy 1", T(10));
  ASSERT_OK(
      store().SavePolicyReports(pc1, {report, Report(p1.id, core::PolicyStateKind::kSucceeded)}));
  ASSERT_OK(store().SavePolicyReports(pc2, {report}));

  ASSERT_OK_AND_ASSIGN(std::vector<PolicyReportRecord> of_pc1, store().ListPolicyReports(pc1));
  ASSERT_EQ(of_pc1.size(), 2u);
  EXPECT_EQ(of_pc1[0].policy_id, p1.id);
  EXPECT_EQ(of_pc1[0].device_id, pc1);
  EXPECT_EQ(of_pc1[0].state, core::PolicyStateKind::kSucceeded);
  EXPECT_EQ(of_pc1[1].version, 3);
  EXPECT_EQ(of_pc1[1].state, core::PolicyStateKind::kConflict);
  EXPECT_EQ(of_pc1[1].detail, report.detail);
  EXPECT_EQ(of_pc1[1].reported_at, T(10));

  ASSERT_OK_AND_ASSIGN(std::vector<PolicyReportRecord> of_p2,
                       store().ListPolicyReportsForPolicy(p2.id));
  ASSERT_EQ(of_p2.size(), 2u);
  EXPECT_EQ(of_p2[0].device_id, pc1);
  EXPECT_EQ(of_p2[1].device_id, pc2);

  // A failure halfway through rolls the whole call back.
  EXPECT_TRUE(store()
                  .SavePolicyReports(pc1, {Report(p1.id, core::PolicyStateKind::kError),
                                           Report(999, core::PolicyStateKind::kPending)})
                  .IsNotFound());
  ASSERT_OK_AND_ASSIGN(of_pc1, store().ListPolicyReports(pc1));
  ASSERT_EQ(of_pc1.size(), 2u);
  EXPECT_EQ(of_pc1[0].state, core::PolicyStateKind::kSucceeded);

  ASSERT_OK(store().SavePolicyReports(pc1, {}));
  ASSERT_OK_AND_ASSIGN(of_pc1, store().ListPolicyReports(pc1));
  EXPECT_TRUE(of_pc1.empty());

  EXPECT_TRUE(store().SavePolicyReports(999, {}).IsNotFound());
  EXPECT_TRUE(
      store().SavePolicyReports(pc1, {Report(999, core::PolicyStateKind::kPending)}).IsNotFound());
  EXPECT_TRUE(store().ListPolicyReports(999).status().IsNotFound());
  EXPECT_TRUE(store().ListPolicyReportsForPolicy(999).status().IsNotFound());
}

// --- Device actions ---

TEST_P(StoreTest, OneOutstandingActionPerKind) {
  const Id device = NewDevice("pc-1");
  DeviceAction rotate;
  rotate.device_id = device;
  rotate.kind = "rotateLocalAdminPassword";
  rotate.requested_by = "alice";
  rotate.created_at = T(10);
  rotate.updated_at = T(10);
  ASSERT_OK_AND_ASSIGN(DeviceAction first, store().CreateAction(rotate));
  EXPECT_EQ(first.state, ActionState::kPending);
  EXPECT_EQ(store().CreateAction(rotate).status().code(), StatusCode::kAlreadyExists);

  // Still outstanding while active.
  first.state = ActionState::kActive;
  first.rotation_id = "r1";
  first.updated_at = T(11);
  ASSERT_OK(store().UpdateAction(first));
  EXPECT_EQ(store().CreateAction(rotate).status().code(), StatusCode::kAlreadyExists);

  DeviceAction sync = rotate;
  sync.kind = "syncDevice";
  sync.created_at = T(12);
  ASSERT_OK_AND_ASSIGN(DeviceAction other_kind, store().CreateAction(sync));

  ASSERT_OK_AND_ASSIGN(std::vector<DeviceAction> outstanding,
                       store().ListOutstandingActions(device));
  ASSERT_EQ(outstanding.size(), 2u);
  EXPECT_EQ(outstanding[0].id, first.id);

  first.state = ActionState::kFailed;
  first.error = "account missing";
  first.updated_at = T(13);
  ASSERT_OK(store().UpdateAction(first));
  rotate.created_at = T(14);
  ASSERT_OK_AND_ASSIGN(DeviceAction retry, store().CreateAction(rotate));

  ASSERT_OK_AND_ASSIGN(DeviceAction got, store().GetActionByGuid(first.guid));
  EXPECT_EQ(got.state, ActionState::kFailed);
  EXPECT_EQ(got.error, "account missing");
  EXPECT_EQ(got.rotation_id, "r1");
  EXPECT_EQ(got.requested_by, "alice");
  EXPECT_EQ(got.created_at, T(10));
  EXPECT_EQ(got.updated_at, T(13));

  ASSERT_OK_AND_ASSIGN(std::vector<DeviceAction> newest_first, store().ListActions(device));
  ASSERT_EQ(newest_first.size(), 3u);
  EXPECT_EQ(newest_first[0].id, retry.id);
  EXPECT_EQ(newest_first[1].id, other_kind.id);
  EXPECT_EQ(newest_first[2].id, first.id);
  ASSERT_OK_AND_ASSIGN(std::vector<DeviceAction> all, store().ListAllActions());
  EXPECT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, retry.id);

  EXPECT_TRUE(store().GetActionByGuid("x").status().IsNotFound());
  first.id = 999;
  EXPECT_TRUE(store().UpdateAction(first).IsNotFound());
  rotate.device_id = 999;
  EXPECT_TRUE(store().CreateAction(rotate).status().IsNotFound());
  EXPECT_TRUE(store().ListActions(999).status().IsNotFound());
}

// --- Action deadlines and cancel (issue 17) ---

DeviceAction RotateAction(Id device, std::int64_t created, std::optional<std::int64_t> deliver_by,
                          bool queued = false) {
  DeviceAction action;
  action.device_id = device;
  action.kind = "rotateLocalAdminPassword";
  action.requested_by = "alice";
  action.created_at = T(created);
  action.updated_at = T(created);
  action.queued = queued;
  if (deliver_by) action.deliver_by = T(*deliver_by);
  return action;
}

TEST_P(StoreTest, DeadlinesAndQueuedAreStored) {
  const Id device = NewDevice("pc-1");
  ASSERT_OK_AND_ASSIGN(DeviceAction created,
                       store().CreateAction(RotateAction(device, 10, 70, /*queued=*/true)));
  ASSERT_OK_AND_ASSIGN(DeviceAction got, store().GetActionByGuid(created.guid));
  EXPECT_TRUE(got.queued);
  EXPECT_EQ(got.deliver_by, T(70));
  EXPECT_FALSE(got.finish_by.has_value());
  EXPECT_FALSE(got.late_completion);
}

TEST_P(StoreTest, OverdueActionsFailOnceWithTheirReason) {
  const Id pc1 = NewDevice("pc-1");
  const Id pc2 = NewDevice("pc-2");
  const Id pc3 = NewDevice("pc-3");
  const Id pc4 = NewDevice("pc-4");
  ASSERT_OK_AND_ASSIGN(DeviceAction not_taken, store().CreateAction(RotateAction(pc1, 10, 70)));
  ASSERT_OK_AND_ASSIGN(DeviceAction queued,
                       store().CreateAction(RotateAction(pc2, 10, 80, /*queued=*/true)));
  ASSERT_OK_AND_ASSIGN(DeviceAction active, store().CreateAction(RotateAction(pc3, 10, 70)));
  active.state = ActionState::kActive;
  active.rotation_id = "r1";
  active.updated_at = T(20);
  active.finish_by = T(90);
  ASSERT_OK(store().UpdateActionIf(active, ActionState::kPending));
  ASSERT_OK_AND_ASSIGN(DeviceAction later, store().CreateAction(RotateAction(pc4, 10, 1000)));

  // Nothing is overdue yet; a deadline equal to now is not passed.
  ASSERT_OK_AND_ASSIGN(std::vector<DeviceAction> none, store().FailOverdueActions(T(70)));
  EXPECT_TRUE(none.empty());

  ASSERT_OK_AND_ASSIGN(std::vector<DeviceAction> failed, store().FailOverdueActions(T(100)));
  ASSERT_EQ(failed.size(), 3u);
  EXPECT_EQ(failed[0].id, not_taken.id);
  EXPECT_EQ(failed[0].error, std::string(kActionNotDelivered));
  EXPECT_EQ(failed[1].id, queued.id);
  EXPECT_EQ(failed[1].error, std::string(kActionExpired));
  EXPECT_EQ(failed[2].id, active.id);
  EXPECT_EQ(failed[2].error, std::string(kActionNotFinished));
  for (const DeviceAction& a : failed) {
    EXPECT_EQ(a.state, ActionState::kFailed);
    EXPECT_EQ(a.updated_at, T(100));
  }
  ASSERT_OK_AND_ASSIGN(DeviceAction stored, store().GetActionByGuid(active.guid));
  EXPECT_EQ(stored.state, ActionState::kFailed);
  EXPECT_EQ(stored.rotation_id, "r1");

  // Exactly once: a second sweep finds nothing, the later one is untouched.
  ASSERT_OK_AND_ASSIGN(std::vector<DeviceAction> again, store().FailOverdueActions(T(200)));
  EXPECT_TRUE(again.empty());
  ASSERT_OK_AND_ASSIGN(DeviceAction waiting, store().GetActionByGuid(later.guid));
  EXPECT_EQ(waiting.state, ActionState::kPending);
  // Deadlines are in the store: another store on the same data sees them.
  Reopen();
  ASSERT_OK_AND_ASSIGN(std::vector<DeviceAction> reopened, store().FailOverdueActions(T(1001)));
  ASSERT_EQ(reopened.size(), 1u);
  EXPECT_EQ(reopened[0].id, later.id);
}

TEST_P(StoreTest, TwoStoresSweepingAtOnceFailEachActionOnce) {
  // Two lapsd nodes on one database (for SQLite, two stores on one file).
  constexpr int kActions = 40;
  for (int i = 0; i < kActions; ++i) {
    const Id device = NewDevice("pc-" + std::to_string(i));
    ASSERT_OK(store().CreateAction(RotateAction(device, 10, 20 + i)).status());
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> other, Open());
  std::vector<Id> seen_a, seen_b;
  auto sweep = [](Store& s, std::vector<Id>& seen) {
    for (std::int64_t now = 20; now <= 20 + kActions + 1; ++now) {
      auto failed = s.FailOverdueActions(T(now));
      ASSERT_OK(failed);
      for (const DeviceAction& a : *failed) seen.push_back(a.id);
    }
  };
  std::thread a([&] { sweep(store(), seen_a); });
  std::thread b([&] { sweep(*other, seen_b); });
  a.join();
  b.join();
  std::vector<Id> all = seen_a;
  all.insert(all.end(), seen_b.begin(), seen_b.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kActions));
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
}

TEST_P(StoreTest, AnActionWithoutDeadlineNeverFails) {
  const Id device = NewDevice("pc-1");
  ASSERT_OK(store().CreateAction(RotateAction(device, 10, std::nullopt)).status());
  ASSERT_OK_AND_ASSIGN(std::vector<DeviceAction> failed, store().FailOverdueActions(T(1 << 30)));
  EXPECT_TRUE(failed.empty());
}

TEST_P(StoreTest, UpdateActionIfRefusesAStateThatMovedOn) {
  const Id device = NewDevice("pc-1");
  ASSERT_OK_AND_ASSIGN(DeviceAction action, store().CreateAction(RotateAction(device, 10, 70)));
  ASSERT_OK_AND_ASSIGN(DeviceAction canceled, store().CancelAction(action.id, T(20), "by bob"));
  EXPECT_EQ(canceled.state, ActionState::kCanceled);
  EXPECT_EQ(canceled.error, "by bob");
  EXPECT_EQ(canceled.updated_at, T(20));
  // The device takes it up afterwards: refused, and nothing changes.
  action.state = ActionState::kActive;
  action.rotation_id = "r1";
  action.updated_at = T(30);
  Status refused = store().UpdateActionIf(action, ActionState::kPending);
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.message().find("canceled"), std::string::npos) << refused.message();
  ASSERT_OK_AND_ASSIGN(DeviceAction stored, store().GetActionByGuid(action.guid));
  EXPECT_EQ(stored.state, ActionState::kCanceled);
  EXPECT_EQ(stored.rotation_id, "");
  // A canceled action is no longer outstanding: a new one may be created.
  ASSERT_OK_AND_ASSIGN(auto outstanding, store().ListOutstandingActions(device));
  EXPECT_TRUE(outstanding.empty());
  ASSERT_OK(store().CreateAction(RotateAction(device, 40, 100)).status());
  action.id = 999;
  EXPECT_TRUE(store().UpdateActionIf(action, ActionState::kPending).IsNotFound());
}

TEST_P(StoreTest, OnlyAPendingActionCanBeCanceled) {
  const Id device = NewDevice("pc-1");
  ASSERT_OK_AND_ASSIGN(DeviceAction action, store().CreateAction(RotateAction(device, 10, 70)));
  action.state = ActionState::kActive;
  action.rotation_id = "r1";
  action.finish_by = T(600);
  ASSERT_OK(store().UpdateActionIf(action, ActionState::kPending));
  auto refused = store().CancelAction(action.id, T(20), "by bob");
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("active"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(DeviceAction stored, store().GetActionByGuid(action.guid));
  EXPECT_EQ(stored.state, ActionState::kActive);
  EXPECT_EQ(stored.finish_by, T(600));
  EXPECT_TRUE(store().CancelAction(999, T(20), "x").status().IsNotFound());
}

TEST_P(StoreTest, ALateCommitAfterADeadlineFailureCompletesTheAction) {
  const Id device = NewDevice("pc-1");
  ASSERT_OK_AND_ASSIGN(DeviceAction action, store().CreateAction(RotateAction(device, 10, 70)));
  action.state = ActionState::kActive;
  action.rotation_id = "r1";
  action.finish_by = T(80);
  ASSERT_OK(store().UpdateActionIf(action, ActionState::kPending));
  ASSERT_OK(store().AddPendingCredential(Pending(device, "r1", 50)));
  ASSERT_OK_AND_ASSIGN(auto failed, store().FailOverdueActions(T(90)));
  ASSERT_EQ(failed.size(), 1u);
  // The device finishes after all: the password is real and becomes current.
  ASSERT_OK_AND_ASSIGN(Credential committed,
                       store().CommitCredential(device, "r1", T(95), T(1000), 2));
  EXPECT_EQ(committed.state, CredentialState::kCurrent);
  ASSERT_OK_AND_ASSIGN(DeviceAction stored, store().GetActionByGuid(action.guid));
  EXPECT_EQ(stored.state, ActionState::kDone);
  EXPECT_TRUE(stored.late_completion);
  EXPECT_EQ(stored.error, std::string(kActionNotFinished));
  EXPECT_EQ(stored.updated_at, T(95));
}

TEST_P(StoreTest, PresenceLastSeenLongPollEndAndGoodbye) {
  const Id device = NewDevice("pc-1");
  CheckinUpdate update;
  update.time = T(100);
  update.name = "pc-1";
  ASSERT_OK(store().RecordCheckin(device, update));
  ASSERT_OK_AND_ASSIGN(Device d1, store().GetDevice(device));
  EXPECT_EQ(d1.last_seen, T(100));
  ASSERT_OK(store().RecordLongPoll(device, T(110), T(410)));
  ASSERT_OK_AND_ASSIGN(Device d2, store().GetDevice(device));
  EXPECT_EQ(d2.last_seen, T(110));
  EXPECT_EQ(d2.parked_until, T(410));

  // A poll that ended but is not the current one leaves the current alone.
  ASSERT_OK(store().EndLongPoll(device, T(300), T(120), /*answered=*/true));
  ASSERT_OK_AND_ASSIGN(Device d3, store().GetDevice(device));
  EXPECT_EQ(d3.parked_until, T(410));
  EXPECT_EQ(d3.last_seen, T(120));
  // last_seen never goes back.
  ASSERT_OK(store().EndLongPoll(device, T(300), T(115), /*answered=*/true));
  ASSERT_OK_AND_ASSIGN(Device d4, store().GetDevice(device));
  EXPECT_EQ(d4.last_seen, T(120));
  // A hang-up of an older poll changes nothing.
  ASSERT_OK(store().EndLongPoll(device, T(300), T(121), /*answered=*/false));
  ASSERT_OK_AND_ASSIGN(Device d5, store().GetDevice(device));
  EXPECT_EQ(d5.parked_until, T(410));
  EXPECT_FALSE(d5.goodbye_at.has_value());
  // A hang-up of the current poll ends it and counts as a goodbye.
  ASSERT_OK(store().EndLongPoll(device, T(410), T(125), /*answered=*/false));
  ASSERT_OK_AND_ASSIGN(Device d5b, store().GetDevice(device));
  EXPECT_FALSE(d5b.parked_until.has_value());
  EXPECT_EQ(d5b.goodbye_at, T(125));
  EXPECT_EQ(d5b.last_seen, T(120));
  // An answered poll clears its parked state and is proof of life.
  ASSERT_OK(store().RecordLongPoll(device, T(126), T(426)));
  ASSERT_OK(store().EndLongPoll(device, T(426), T(127), /*answered=*/true));
  ASSERT_OK_AND_ASSIGN(Device d5c, store().GetDevice(device));
  EXPECT_FALSE(d5c.parked_until.has_value());
  EXPECT_EQ(d5c.last_seen, T(127));
  EXPECT_FALSE(d5c.goodbye_at.has_value()) << "proof of life ends the goodbye";

  ASSERT_OK(store().RecordLongPoll(device, T(130), T(430)));
  ASSERT_OK(store().RecordGoodbye(device, T(140)));
  ASSERT_OK_AND_ASSIGN(Device d6, store().GetDevice(device));
  EXPECT_FALSE(d6.parked_until.has_value());
  EXPECT_EQ(d6.goodbye_at, T(140));
  EXPECT_EQ(d6.last_seen, T(130));
  // The same second's check-in still brings it back (timestamps are seconds).
  update.time = T(140);
  ASSERT_OK(store().RecordCheckin(device, update));
  ASSERT_OK_AND_ASSIGN(Device d7, store().GetDevice(device));
  EXPECT_FALSE(d7.goodbye_at.has_value());
  EXPECT_EQ(d7.last_seen, T(140));
  EXPECT_TRUE(store().RecordGoodbye(999, T(1)).IsNotFound());
  EXPECT_TRUE(store().EndLongPoll(999, T(1), T(1), true).IsNotFound());
}

// --- Credentials (DESIGN.md §5) ---

std::vector<std::string> RotationIds(const std::vector<Credential>& credentials) {
  std::vector<std::string> ids;
  for (const Credential& c : credentials) ids.push_back(c.rotation_id);
  return ids;
}

TEST_P(StoreTest, CredentialLifecycle) {
  const Id device = NewDevice("pc-1");
  ASSERT_OK(store().SetRotateAfterReveal(device, T(50)));
  DeviceAction action;
  action.device_id = device;
  action.kind = "rotateLocalAdminPassword";
  action.state = ActionState::kActive;
  action.rotation_id = "r1";
  ASSERT_OK_AND_ASSIGN(action, store().CreateAction(action));

  // Pending, idempotent per rotation id.
  ASSERT_OK_AND_ASSIGN(Credential p1, store().AddPendingCredential(Pending(device, "r1", 100)));
  EXPECT_EQ(p1.state, CredentialState::kPending);
  Credential retry = Pending(device, "r1", 999);
  retry.sealed_password = {1, 2, 3};
  ASSERT_OK_AND_ASSIGN(Credential again, store().AddPendingCredential(retry));
  EXPECT_EQ(again.id, p1.id);
  EXPECT_EQ(again.sealed_password, p1.sealed_password);
  EXPECT_EQ(again.backup_time, T(100));

  ASSERT_OK_AND_ASSIGN(std::vector<Credential> list, store().ListCredentials(device));
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].state, CredentialState::kPending);
  EXPECT_EQ(list[0].account_name, "Administrator");
  EXPECT_EQ(list[0].account_sid, "S-1-5-21-1-500");
  EXPECT_EQ(list[0].directory, core::BackupDirectory::kCloud);

  // Commit: pending -> current, device and action updated.
  ASSERT_OK_AND_ASSIGN(Credential c1, store().CommitCredential(device, "r1", T(110), T(900), 2));
  EXPECT_EQ(c1.state, CredentialState::kCurrent);
  EXPECT_EQ(c1.id, p1.id);
  ASSERT_OK_AND_ASSIGN(Device d, store().GetDevice(device));
  EXPECT_EQ(d.last_rotation, T(110));
  EXPECT_EQ(d.next_rotation, T(900));
  EXPECT_EQ(d.rotate_after_reveal_at, std::nullopt);
  ASSERT_OK_AND_ASSIGN(DeviceAction done, store().GetActionByGuid(action.guid));
  EXPECT_EQ(done.state, ActionState::kDone);
  EXPECT_EQ(done.updated_at, T(110));

  // Idempotent: a repeated commit changes nothing.
  ASSERT_OK_AND_ASSIGN(Credential c1_again,
                       store().CommitCredential(device, "r1", T(120), T(1000), 2));
  EXPECT_EQ(c1_again.state, CredentialState::kCurrent);
  ASSERT_OK_AND_ASSIGN(d, store().GetDevice(device));
  EXPECT_EQ(d.last_rotation, T(110));

  // Second rotation: both visible while in flight, then r1 goes to history.
  ASSERT_OK(store().AddPendingCredential(Pending(device, "r2", 200)));
  ASSERT_OK_AND_ASSIGN(list, store().ListCredentials(device));
  EXPECT_EQ(RotationIds(list), (std::vector<std::string>{"r2", "r1"}));
  ASSERT_OK(store().CommitCredential(device, "r2", T(210), T(1000), 2));
  ASSERT_OK_AND_ASSIGN(list, store().ListCredentials(device));
  EXPECT_EQ(RotationIds(list), (std::vector<std::string>{"r2", "r1"}));
  EXPECT_EQ(list[0].state, CredentialState::kCurrent);
  EXPECT_EQ(list[1].state, CredentialState::kHistory);
  // A superseded rotation cannot come back.
  EXPECT_TRUE(
      store().CommitCredential(device, "r1", T(220), T(1000), 2).status().IsFailedPrecondition());

  // History keeps the newest `history_size`, newest first.
  for (int i = 3; i <= 5; ++i) {
    const std::string id = "r" + std::to_string(i);
    ASSERT_OK(store().AddPendingCredential(Pending(device, id, 100 * i)));
    ASSERT_OK(store().CommitCredential(device, id, T(100 * i + 10), T(2000), 2));
  }
  ASSERT_OK(store().AddPendingCredential(Pending(device, "r6", 600)));
  ASSERT_OK_AND_ASSIGN(list, store().ListCredentials(device));
  EXPECT_EQ(RotationIds(list), (std::vector<std::string>{"r6", "r5", "r4", "r3"}));
  EXPECT_EQ(list[0].state, CredentialState::kPending);
  EXPECT_EQ(list[1].state, CredentialState::kCurrent);
  EXPECT_EQ(list[2].state, CredentialState::kHistory);
  EXPECT_EQ(list[3].state, CredentialState::kHistory);

  // Abandon drops only a pending credential.
  EXPECT_TRUE(store().AbandonCredential(device, "r5").IsFailedPrecondition());
  ASSERT_OK(store().AbandonCredential(device, "r6"));
  EXPECT_TRUE(store().AbandonCredential(device, "r6").IsNotFound());
  EXPECT_TRUE(store().CommitCredential(device, "r6", T(700), T(2000), 2).status().IsNotFound());
  ASSERT_OK_AND_ASSIGN(list, store().ListCredentials(device));
  EXPECT_EQ(RotationIds(list), (std::vector<std::string>{"r5", "r4", "r3"}));

  // history_size 0 keeps no history at all.
  ASSERT_OK(store().AddPendingCredential(Pending(device, "r7", 700)));
  ASSERT_OK(store().CommitCredential(device, "r7", T(710), T(2000), 0));
  ASSERT_OK_AND_ASSIGN(list, store().ListCredentials(device));
  EXPECT_EQ(RotationIds(list), std::vector<std::string>{"r7"});

  EXPECT_TRUE(store().AddPendingCredential(Pending(999, "r1", 1)).status().IsNotFound());
  EXPECT_EQ(store().AddPendingCredential(Pending(device, "", 1)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(store().ListCredentials(999).status().IsNotFound());

  // Sealed passwords are binary columns.
  if (GetParam() == Backend::kSqlite) {
    EXPECT_EQ(RawQuery("SELECT DISTINCT typeof(sealed_password) FROM credentials"), "blob");
  } else {
    EXPECT_EQ(RawQuery("SELECT DISTINCT pg_typeof(sealed_password)::text FROM credentials"),
              "bytea");
  }
}

TEST_P(StoreTest, CommitMovesStalePendingCredentialsToHistory) {
  const Id device = NewDevice("pc-1");
  ASSERT_OK(store().AddPendingCredential(Pending(device, "lost", 100)));
  ASSERT_OK(store().AddPendingCredential(Pending(device, "r2", 200)));
  ASSERT_OK(store().CommitCredential(device, "r2", T(210), T(900), 5));
  ASSERT_OK_AND_ASSIGN(std::vector<Credential> list, store().ListCredentials(device));
  EXPECT_EQ(RotationIds(list), (std::vector<std::string>{"r2", "lost"}));
  EXPECT_EQ(list[1].state, CredentialState::kHistory);
}

// --- Audit ---

TEST_P(StoreTest, AuditAppendChainsAndQueries) {
  ASSERT_OK_AND_ASSIGN(AuditEvent e1, store().AppendAudit(Event("Reveal", "alice", "1", 100)));
  ASSERT_OK_AND_ASSIGN(AuditEvent e2, store().AppendAudit(Event("Rotate", "bob", "2", 200)));
  ASSERT_OK_AND_ASSIGN(AuditEvent e3, store().AppendAudit(Event("Reveal", "bob", "1", 300)));
  EXPECT_EQ(e1.sequence, 1);
  EXPECT_EQ(e2.sequence, 2);
  EXPECT_EQ(e3.sequence, 3);
  EXPECT_EQ(e1.previous_hash, "");
  EXPECT_EQ(e2.previous_hash, e1.hash);
  EXPECT_EQ(e3.previous_hash, e2.hash);
  EXPECT_EQ(e1.hash, ComputeAuditMac(kAuditKey, e1));
  EXPECT_EQ(e1.guid.size(), 36u);
  EXPECT_NE(e1.guid, e2.guid);
  EXPECT_OK(store().VerifyAudit(std::nullopt));

  auto sequences = [&](const AuditQuery& query) {
    std::vector<std::int64_t> out;
    Result<std::vector<AuditEvent>> events = store().QueryAudit(query);
    EXPECT_OK(events);
    if (events.ok()) {
      for (const AuditEvent& e : *events) out.push_back(e.sequence);
    }
    return out;
  };
  using Seq = std::vector<std::int64_t>;
  EXPECT_EQ(sequences({}), (Seq{1, 2, 3}));
  EXPECT_EQ(sequences(With([](AuditQuery& q) { q.from = T(200); })), (Seq{2, 3}));
  EXPECT_EQ(sequences(With([](AuditQuery& q) { q.to = T(200); })), (Seq{1}));
  EXPECT_EQ(sequences(With([](AuditQuery& q) {
              q.from = T(100);
              q.to = T(300);
            })),
            (Seq{1, 2}));
  EXPECT_EQ(sequences(With([](AuditQuery& q) { q.actor = "bob"; })), (Seq{2, 3}));
  EXPECT_EQ(sequences(With([](AuditQuery& q) { q.actor = "alice-id"; })), (Seq{1}));
  EXPECT_EQ(sequences(With([](AuditQuery& q) { q.target_id = "1"; })), (Seq{1, 3}));
  EXPECT_EQ(sequences(With([](AuditQuery& q) { q.activity = "Reveal"; })), (Seq{1, 3}));
  EXPECT_EQ(sequences(With([](AuditQuery& q) {
              q.actor = "bob";
              q.activity = "Reveal";
            })),
            (Seq{3}));
  EXPECT_EQ(sequences(With([](AuditQuery& q) { q.after_sequence = 1; })), (Seq{2, 3}));
  EXPECT_EQ(sequences(With([](AuditQuery& q) { q.limit = 2; })), (Seq{1, 2}));
  EXPECT_EQ(sequences(With([](AuditQuery& q) {
              q.after_sequence = 1;
              q.limit = 1;
            })),
            (Seq{2}));
  EXPECT_EQ(store().QueryAudit(With([](AuditQuery& q) { q.limit = 0; })).status().code(),
            StatusCode::kInvalidArgument);

  ASSERT_OK_AND_ASSIGN(std::vector<AuditEvent> one,
                       store().QueryAudit(With([](AuditQuery& q) { q.after_sequence = 2; })));
  ASSERT_EQ(one.size(), 1u);
  const AuditEvent& got = one[0];
  EXPECT_EQ(got.guid, e3.guid);
  EXPECT_EQ(got.time, T(300));
  EXPECT_EQ(got.actor_type, "admin");
  EXPECT_EQ(got.actor_id, "bob-id");
  EXPECT_EQ(got.actor_name, "bob");
  EXPECT_EQ(got.category, "Device");
  EXPECT_EQ(got.result, "success");
  EXPECT_EQ(got.target_type, "device");
  EXPECT_EQ(got.target_name, "pc-1");
  EXPECT_EQ(got.detail_json, R"({"n":1})");
  EXPECT_EQ(got.previous_hash, e2.hash);
  EXPECT_EQ(got.hash, e3.hash);
}

TEST_P(StoreTest, AuditRowsCannotBeUpdatedOrDeletedThroughSql) {
  ASSERT_OK(store().AppendAudit(Event("Reveal", "alice", "1", 100)));
  Result<std::string> update = RawSql("UPDATE audit_events SET actor_name = 'mallory'");
  ASSERT_FALSE(update.ok());
  EXPECT_NE(update.status().message().find("append-only"), std::string::npos) << update.status();
  EXPECT_FALSE(RawSql("DELETE FROM audit_events").ok());
  if (GetParam() == Backend::kPostgres) {
    EXPECT_FALSE(RawSql("TRUNCATE audit_events").ok());
    // Nor can a row be slipped in that does not extend the chain.
    EXPECT_FALSE(RawSql("INSERT INTO audit_events SELECT sequence + 1, 'g2', time, actor_type, "
                        "actor_id, actor_name, activity, category, result, target_type, "
                        "target_id, target_name, detail_json, 'forged', hash FROM audit_events")
                     .ok());
  }
  EXPECT_EQ(RawQuery("SELECT actor_name FROM audit_events"), "alice");
}

struct TamperCase {
  const char* name;
  const char* sql;  // run after dropping the append-only triggers
  const char* bad_sequence;
};

class AuditTamperTest : public StoreFixture,
                        public ::testing::WithParamInterface<std::tuple<Backend, TamperCase>> {
 protected:
  Backend backend() const override { return std::get<0>(GetParam()); }
  const TamperCase& tamper() const { return std::get<1>(GetParam()); }
};

TEST_P(AuditTamperTest, VerifyNamesTheFirstBadSequence) {
  for (int i = 1; i <= 5; ++i) {
    ASSERT_OK(store().AppendAudit(Event("Reveal", "alice", std::to_string(i), 100 * i)));
  }
  ASSERT_OK(store().VerifyAudit(std::nullopt));
  ASSERT_OK(RawSql(backend() == Backend::kSqlite
                       ? "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;"
                       : "DROP TRIGGER IF EXISTS audit_events_no_update ON audit_events; "
                         "DROP TRIGGER audit_events_no_delete ON audit_events;"));
  ASSERT_OK(RawSql(tamper().sql));
  Reopen();
  const Status status = store().VerifyAudit(std::nullopt).status();
  EXPECT_EQ(status.code(), StatusCode::kDataLoss) << status;
  EXPECT_NE(status.message().find(std::string("sequence ") + tamper().bad_sequence),
            std::string::npos)
      << status;
}

INSTANTIATE_TEST_SUITE_P(
    Tampering, AuditTamperTest,
    ::testing::Combine(
        ::testing::Values(Backend::kSqlite, Backend::kPostgres),
        ::testing::Values(
            TamperCase{"Altered",
                       "UPDATE audit_events SET actor_name = 'mallory' WHERE sequence = 3", "3"},
            TamperCase{"AlteredTime", "UPDATE audit_events SET time = time + 1 WHERE sequence = 2",
                       "2"},
            TamperCase{"RemovedMiddle", "DELETE FROM audit_events WHERE sequence = 3", "3"},
            TamperCase{"RemovedFirst", "DELETE FROM audit_events WHERE sequence = 1", "1"},
            TamperCase{"RemovedAndRenumbered",
                       "DELETE FROM audit_events WHERE sequence = 2; "
                       "UPDATE audit_events SET sequence = sequence - 1 WHERE sequence > 2",
                       "2"},
            TamperCase{"Reordered",
                       "UPDATE audit_events SET sequence = 100 WHERE sequence = 2; "
                       "UPDATE audit_events SET sequence = 2 WHERE sequence = 4; "
                       "UPDATE audit_events SET sequence = 4 WHERE sequence = 100",
                       "2"},
            TamperCase{"HashReplaced", "UPDATE audit_events SET hash = 'ff' WHERE sequence = 4",
                       "4"})),
    [](const ::testing::TestParamInfo<std::tuple<Backend, TamperCase>>& info) {
      return BackendName(std::get<0>(info.param)) + std::get<1>(info.param).name;
    });

// SQL rewriting every row's links with `seal`, as someone holding the
// database (and its triggers dropped) could.
std::string RechainSql(std::vector<AuditEvent> events,
                       const std::function<std::string(const AuditEvent&)>& seal) {
  std::string sql;
  std::string previous;
  for (AuditEvent& event : events) {
    event.previous_hash = previous;
    event.hash = seal(event);
    previous = event.hash;
    sql += "UPDATE audit_events SET previous_hash = '" + event.previous_hash + "', hash = '" +
           event.hash + "' WHERE sequence = " + std::to_string(event.sequence) + "; ";
  }
  return sql;
}

std::string DropAuditTriggersSql(Backend backend) {
  return backend == Backend::kSqlite
             ? "DROP TRIGGER IF EXISTS audit_events_no_update; DROP TRIGGER IF EXISTS "
               "audit_events_no_delete; "
               "DROP TRIGGER IF EXISTS audit_chain_no_update;"
             : "DROP TRIGGER IF EXISTS audit_events_no_update ON audit_events; "
               "DROP TRIGGER IF EXISTS audit_events_no_delete ON audit_events; "
               "DROP TRIGGER IF EXISTS audit_chain_no_update ON audit_chain;";
}

TEST_P(StoreTest, VerifyReportsTheCountAndTheHead) {
  ASSERT_OK_AND_ASSIGN(AuditVerification empty, store().VerifyAudit(std::nullopt));
  EXPECT_EQ(empty.count, 0);
  EXPECT_EQ(empty.head, AuditHead{});
  ASSERT_OK_AND_ASSIGN(AuditHead none, store().GetAuditHead());
  EXPECT_EQ(none, AuditHead{});
  AuditEvent last;
  for (int i = 1; i <= 3; ++i) {
    ASSERT_OK_AND_ASSIGN(last, store().AppendAudit(Event("Reveal", "alice", "1", i)));
  }
  ASSERT_OK_AND_ASSIGN(AuditVerification verified, store().VerifyAudit(std::nullopt));
  EXPECT_EQ(verified.count, 3);
  EXPECT_EQ(verified.head, (AuditHead{3, last.hash}));
  ASSERT_OK_AND_ASSIGN(AuditHead head, store().GetAuditHead());
  EXPECT_EQ(head, verified.head);
  // The head checkpointed earlier is still in the chain.
  ASSERT_OK_AND_ASSIGN(std::vector<AuditEvent> events, store().QueryAudit({}));
  EXPECT_OK(store().VerifyAudit(AuditHead{2, events[1].hash}));
  EXPECT_OK(store().VerifyAudit(head));
}

TEST_P(StoreTest, AuditNeedsTheKey) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> unkeyed, OpenUnkeyed());
  EXPECT_EQ(unkeyed->AppendAudit(Event("Reveal", "alice", "1", 1)).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(unkeyed->VerifyAudit(std::nullopt).status().code(), StatusCode::kFailedPrecondition);
}

TEST_P(StoreTest, AnotherKeyDoesNotVerifyTheChain) {
  for (int i = 1; i <= 2; ++i) ASSERT_OK(store().AppendAudit(Event("Reveal", "alice", "1", i)));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> other, OpenUnkeyed());
  AuditKey wrong = kAuditKey;
  wrong[31] ^= 0x80;
  other->SetAuditKey(wrong);
  const Status status = other->VerifyAudit(std::nullopt).status();
  EXPECT_EQ(status.code(), StatusCode::kDataLoss) << status;
  EXPECT_NE(
      status.message().find("sequence 1: event was altered or rehashed without the audit key"),
      std::string::npos)
      << status;
}

TEST_P(StoreTest, RehashingWithThePublicFormulaIsDetected) {
  for (int i = 1; i <= 4; ++i) ASSERT_OK(store().AppendAudit(Event("Reveal", "alice", "1", i)));
  ASSERT_OK_AND_ASSIGN(std::vector<AuditEvent> events, store().QueryAudit({}));
  events[1].actor_name = "mallory";
  ASSERT_OK(RawSql(DropAuditTriggersSql(backend())));
  ASSERT_OK(RawSql("UPDATE audit_events SET actor_name = 'mallory' WHERE sequence = 2; " +
                   RechainSql(events, ComputeLegacyAuditHash)));
  Reopen();
  const Status status = store().VerifyAudit(std::nullopt).status();
  EXPECT_EQ(status.code(), StatusCode::kDataLoss) << status;
  EXPECT_NE(status.message().find("sequence 1"), std::string::npos) << status;
}

TEST_P(StoreTest, ACheckpointDetectsRemovedNewestRows) {
  for (int i = 1; i <= 5; ++i) ASSERT_OK(store().AppendAudit(Event("Reveal", "alice", "1", i)));
  ASSERT_OK_AND_ASSIGN(AuditHead checkpoint, store().GetAuditHead());
  ASSERT_OK(RawSql(DropAuditTriggersSql(backend())));
  ASSERT_OK(RawSql("DELETE FROM audit_events WHERE sequence >= 4"));
  Reopen();
  // Without the outside copy the shortened chain looks whole.
  ASSERT_OK_AND_ASSIGN(AuditVerification alone, store().VerifyAudit(std::nullopt));
  EXPECT_EQ(alone.count, 3);
  const Status status = store().VerifyAudit(checkpoint).status();
  EXPECT_EQ(status.code(), StatusCode::kDataLoss) << status;
  EXPECT_NE(status.message().find("ends at sequence 3 but the checkpoint records sequence 5"),
            std::string::npos)
      << status;
  // A checkpoint whose head the chain does not hold at that sequence.
  const Status replaced = store().VerifyAudit(AuditHead{2, std::string(64, '0')}).status();
  EXPECT_EQ(replaced.code(), StatusCode::kDataLoss) << replaced;
  EXPECT_NE(replaced.message().find("sequence 2"), std::string::npos) << replaced;
}

TEST_P(StoreTest, RowsFromBeforeTheKeyVerifyUpToTheRecordedBoundary) {
  for (int i = 1; i <= 3; ++i) ASSERT_OK(store().AppendAudit(Event("Reveal", "alice", "1", i)));
  ASSERT_OK_AND_ASSIGN(std::vector<AuditEvent> events, store().QueryAudit({}));
  // As a database upgraded with two unkeyed rows would be.
  const auto upgraded = [](const AuditEvent& e) {
    return e.sequence <= 2 ? ComputeLegacyAuditHash(e) : ComputeAuditMac(kAuditKey, e);
  };
  ASSERT_OK(RawSql(DropAuditTriggersSql(backend())));
  ASSERT_OK(RawSql("UPDATE audit_chain SET legacy_through = 2; " + RechainSql(events, upgraded)));
  Reopen();
  ASSERT_OK_AND_ASSIGN(AuditVerification verified, store().VerifyAudit(std::nullopt));
  EXPECT_EQ(verified.count, 3);
  ASSERT_OK(store().AppendAudit(Event("Reveal", "alice", "1", 4)));
  EXPECT_OK(store().VerifyAudit(std::nullopt));
  // A row after the boundary with the public formula is a forgery.
  ASSERT_OK_AND_ASSIGN(events, store().QueryAudit({}));
  ASSERT_OK(RawSql(DropAuditTriggersSql(backend())));
  ASSERT_OK(RawSql(RechainSql(events, ComputeLegacyAuditHash)));
  Reopen();
  const Status status = store().VerifyAudit(std::nullopt).status();
  EXPECT_EQ(status.code(), StatusCode::kDataLoss) << status;
  EXPECT_NE(status.message().find("sequence 3"), std::string::npos) << status;
}

TEST_P(StoreTest, TheLegacyBoundaryCannotMove) {
  EXPECT_FALSE(RawSql("UPDATE audit_chain SET legacy_through = 99").ok());
  EXPECT_FALSE(RawSql("DELETE FROM audit_chain").ok());
  EXPECT_EQ(RawQuery("SELECT legacy_through FROM audit_chain"), "0");
}

TEST_P(StoreTest, ConcurrentAppendsFormOneGapFreeChain) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kPerThread; ++i) {
        EXPECT_OK(store().AppendAudit(
            Event("Reveal", "admin" + std::to_string(t), std::to_string(i), i)));
        // Readers interleave with the writers.
        EXPECT_OK(store().QueryAudit(With([](AuditQuery& q) { q.limit = 5; })));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_OK(store().VerifyAudit(std::nullopt));
  ASSERT_OK_AND_ASSIGN(std::vector<AuditEvent> events, store().QueryAudit({}));
  ASSERT_EQ(events.size(), static_cast<std::size_t>(kThreads * kPerThread));
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].sequence, static_cast<std::int64_t>(i + 1));
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return BackendName(info.param);
                         });

// --- PostgreSQL only ---

TEST_F(PostgresStoreTest, ConnectionErrorsNeverShowThePassword) {
  Result<std::unique_ptr<Store>> opened =
      OpenPostgresStore("postgresql://lapsd:hunter2secret@127.0.0.1:1/nowhere");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(opened.status().message().find("hunter2secret"), std::string::npos) << opened.status();
  EXPECT_NE(opened.status().message().find("nowhere"), std::string::npos) << opened.status();
}

TEST_F(PostgresStoreTest, ClashErrorsNeverQuoteTheValue) {
  AdminToken token;
  token.admin_id = NewAdmin("alice");
  token.token_hash = "secret-token-hash-value";
  ASSERT_OK(store().CreateToken(token));
  token.guid.clear();
  Result<AdminToken> again = store().CreateToken(token);
  EXPECT_TRUE(again.status().IsAlreadyExists()) << again.status();
  EXPECT_EQ(again.status().message().find("secret-token-hash-value"), std::string::npos)
      << again.status();
}

TEST_F(PostgresStoreTest, ThePoolReplacesConnectionsTheServerDropped) {
  ASSERT_OK(store().CreateScopeTag(Tag("Paris")));  // the pool holds a connection now
  ASSERT_OK(postgres::RunSql(pg_->conninfo(),
                             "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = current_database() AND pid <> pg_backend_pid()"));
  ASSERT_OK_AND_ASSIGN(std::vector<ScopeTag> tags, store().ListScopeTags());
  EXPECT_EQ(tags.size(), 2u);
}

TEST_F(PostgresStoreTest, TwoStoresOnOneDatabaseKeepOneAuditChain) {
  // Two lapsd nodes are two stores (two pools) on one database.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> other, Open());
  constexpr int kPerThread = 20;
  std::vector<std::thread> threads;
  for (Store* s : {&store(), other.get(), &store(), other.get()}) {
    threads.emplace_back([this, s] {
      for (int i = 0; i < kPerThread; ++i) {
        EXPECT_OK(s->AppendAudit(Event("Reveal", "admin", std::to_string(i), i)));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_OK(store().VerifyAudit(std::nullopt));
  EXPECT_OK(other->VerifyAudit(std::nullopt));
  ASSERT_OK_AND_ASSIGN(std::vector<AuditEvent> events, other->QueryAudit({}));
  EXPECT_EQ(events.size(), 4u * kPerThread);
}

TEST_F(PostgresStoreTest, PolicyEpochMovesForEveryStoreOnTheDatabase) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> other, Open());
  ASSERT_OK_AND_ASSIGN(const std::int64_t before, other->PolicyEpoch());
  ASSERT_OK(store().CreatePolicy(NamedPolicy("LAPS")));
  ASSERT_OK_AND_ASSIGN(const std::int64_t after, other->PolicyEpoch());
  EXPECT_GT(after, before);
}

TEST_F(PostgresStoreTest, TheWakeListenerReconnectsAndWakesEveryoneAfterADrop) {
  std::mutex mu;
  std::condition_variable changed;
  std::vector<Id> woken;
  int everyone = 0;
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<WakeListener> listener,
      WakeListener::Start(pg_->conninfo(), WakeHandlers{.device =
                                                            [&](Id device) {
                                                              std::lock_guard lock(mu);
                                                              woken.push_back(device);
                                                              changed.notify_all();
                                                            },
                                                        .everyone =
                                                            [&] {
                                                              std::lock_guard lock(mu);
                                                              ++everyone;
                                                              changed.notify_all();
                                                            }}));
  // The server drops the listening connection (a restart or failover would).
  ASSERT_OK(postgres::RunSql(pg_->conninfo(),
                             "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE query = 'LISTEN openlaps_wake' AND pid <> pg_backend_pid()"));
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(changed.wait_for(lock, std::chrono::seconds(30), [&] { return everyone > 0; }))
        << "no reconnect";
  }
  EXPECT_EQ(listener->reconnects(), 1);
  // Listening again: a new action's wake arrives.
  const Id device = NewDevice("pc-1");
  DeviceAction action;
  action.device_id = device;
  action.kind = "rotateLocalAdminPassword";
  ASSERT_OK(store().CreateAction(action));
  std::unique_lock lock(mu);
  EXPECT_TRUE(changed.wait_for(lock, std::chrono::seconds(30), [&] {
    return std::find(woken.begin(), woken.end(), device) != woken.end();
  }));
}

TEST_F(PostgresStoreTest, WakesReachAListenerOnTheDatabase) {
  std::mutex mu;
  std::condition_variable changed;
  std::vector<Id> woken;
  int everyone = 0;
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<WakeListener> listener,
      WakeListener::Start(pg_->conninfo(), WakeHandlers{.device =
                                                            [&](Id device) {
                                                              std::lock_guard lock(mu);
                                                              woken.push_back(device);
                                                              changed.notify_all();
                                                            },
                                                        .everyone =
                                                            [&] {
                                                              std::lock_guard lock(mu);
                                                              ++everyone;
                                                              changed.notify_all();
                                                            }}));
  const Id device = NewDevice("pc-1");
  DeviceAction action;
  action.device_id = device;
  action.kind = "rotateLocalAdminPassword";
  ASSERT_OK(store().CreateAction(action));
  ASSERT_OK(store().CreatePolicy(NamedPolicy("LAPS")));
  std::unique_lock lock(mu);
  // Generous: the notification normally takes milliseconds.
  EXPECT_TRUE(changed.wait_for(lock, std::chrono::seconds(30), [&] {
    return std::find(woken.begin(), woken.end(), device) != woken.end() && everyone > 0;
  }));
}

}  // namespace
}  // namespace openlaps::store

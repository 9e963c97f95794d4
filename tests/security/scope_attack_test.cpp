// Attacks on scope tags and rights (issue 10 item 3), against a real lapsd:
// scoped admins reaching for other tags' objects, and admins granting more
// than they hold. Two tags, Paris and Lyon; every scoped attacker holds
// Paris only, and every Lyon object must stay out of its reach.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "agent/device_client.h"
#include "core/clock.h"
#include "crypto/csprng.h"
#include "http/client.h"
#include "support/lapsd_fixture.h"
#include "support/lapsd_process.h"

namespace openlaps {
namespace {

using testing::AdminSession;

const std::string kDm = "/beta/deviceManagement";

std::string Encode(const std::string& text) { return http::PercentEncode(text); }

class ScopeAttackTest : public testing::LapsdFixture {
 protected:
  void SetUp() override {
    StartLapsdWithRoot("scope");
    if (HasFatalFailure()) return;
    paris_ = NewTag("Paris");
    lyon_ = NewTag("Lyon");
    auto roles = root_->Call("GET", kDm + "/roleDefinitions");
    for (const auto& r : roles.body["value"]) roles_[r["displayName"]] = r["id"];
  }

  std::string NewTag(const std::string& name) {
    auto tag = root_->Call("POST", kDm + "/roleScopeTags", {{"displayName", name}});
    EXPECT_EQ(tag.status, 201) << tag.body;
    return tag.body.value("id", "");
  }

  std::string NewRole(const std::string& name, const std::vector<std::string>& permissions) {
    auto role = root_->Call(
        "POST", kDm + "/roleDefinitions",
        {{"displayName", name}, {"rolePermissions", {{{"allowedResourceActions", permissions}}}}});
    EXPECT_EQ(role.status, 201) << role.body;
    roles_[name] = role.body.value("id", "");
    return roles_[name];
  }

  // A new administrator holding `role` limited to `tags`, signed in.
  std::unique_ptr<AdminSession> NewAdmin(const std::string& name, const std::string& role,
                                         const std::vector<std::string>& tags) {
    const std::string password = "scope-attack-password-" + name;
    EXPECT_EQ(
        root_->Call("POST", "/api/v1/admins", {{"userName", name}, {"password", password}}).status,
        201);
    nlohmann::json assignment = {
        {"displayName", name}, {"roleDefinitionId", roles_[role]}, {"members", {name}}};
    if (!tags.empty()) assignment["roleScopeTagIds"] = tags;
    auto assigned = root_->Call("POST", kDm + "/roleAssignments", assignment);
    EXPECT_EQ(assigned.status, 201) << assigned.body;
    passwords_[name] = password;
    auto session = AdminSession::Login(lapsd_->base_url(), name, password);
    EXPECT_TRUE(session.ok()) << session.status();
    return session.ok() ? std::move(session).value() : nullptr;
  }

  // A device enrolled with a token carrying `tag`, with one escrowed password.
  std::unique_ptr<agent::DeviceClient> NewDevice(const std::string& name, const std::string& tag) {
    auto token = root_->Call("POST", "/api/v1/enrollmentTokens",
                             {{"name", name}, {"roleScopeTagIds", {tag}}});
    EXPECT_EQ(token.status, 201) << token.body;
    agent::EnrollRequest request;
    request.token = token.body.value("token", "");
    request.device_name = name;
    auto device = agent::DeviceClient::Enroll(lapsd_->base_url(), request, clock_);
    EXPECT_TRUE(device.ok()) << device.status();
    if (!device.ok()) return nullptr;
    EXPECT_TRUE((*device)
                    ->EscrowPending("rot-1", "root", "S-1-22-1-0",
                                    core::SecretString("Password-of-" + name))
                    .ok());
    EXPECT_TRUE((*device)->Commit("rot-1").ok());
    return std::move(device).value();
  }

  std::string NewGroup(const std::string& name, const std::string& tag) {
    auto group =
        root_->Call("POST", "/v1.0/groups", {{"displayName", name}, {"roleScopeTagIds", {tag}}});
    EXPECT_EQ(group.status, 201) << group.body;
    return group.body.value("id", "");
  }

  std::string NewPolicy(const std::string& name, const std::vector<std::string>& tags) {
    auto policy = root_->Call("POST", kDm + "/configurationPolicies",
                              {{"name", name},
                               {"roleScopeTagIds", tags},
                               {"lapsSettings", {{"backupDirectory", 1}, {"passwordLength", 20}}}});
    EXPECT_EQ(policy.status, 201) << policy.body;
    return policy.body.value("id", "");
  }

  static std::set<std::string> Ids(const nlohmann::json& list, const char* key = "id") {
    std::set<std::string> out;
    if (!list.is_array()) return out;
    for (const auto& item : list) out.insert(item.value(key, ""));
    return out;
  }

  // A report as CSV text, fetched with a fresh sign-in of `name`.
  std::string Csv(const std::string& name, const std::string& target) {
    auto http = http::HttpClient::Create(lapsd_->base_url());
    EXPECT_TRUE(http.ok());
    nlohmann::json login = {{"userName", name}, {"password", passwords_[name]}};
    auto signed_in = (*http)->Send("POST", "/api/v1/login", {{"Content-Type", "application/json"}},
                                   login.dump());
    EXPECT_TRUE(signed_in.ok());
    std::string token = nlohmann::json::parse(signed_in->body).value("access_token", "");
    auto csv = (*http)->Send("GET", target, {{"Authorization", "Bearer " + token}});
    EXPECT_TRUE(csv.ok());
    EXPECT_EQ(csv->status, 200) << csv->body;
    return csv->body;
  }

  core::SystemClock clock_;
  std::string paris_;
  std::string lyon_;
  std::map<std::string, std::string> roles_;
  std::map<std::string, std::string> passwords_;
};

std::string Reveal(const std::string& device) {
  return "/v1.0/directory/deviceLocalCredentials/" + device + "?$select=credentials";
}

// Issue 10: "an admin whose role-management right is limited to one scope
// tag assigns itself the built-in Administrator role with no scope and then
// reveals every password".
TEST_F(ScopeAttackTest, ScopedRoleManagerCannotMakeItselfUnscopedAdministrator) {
  auto lyon_pc = NewDevice("lyon-pc", lyon_);
  auto paris_pc = NewDevice("paris-pc", paris_);
  ASSERT_TRUE(lyon_pc && paris_pc);
  auto mallory = NewAdmin("mallory", "Administrator", {paris_});
  ASSERT_TRUE(mallory);

  nlohmann::json grab = {{"displayName", "grab"},
                         {"roleDefinitionId", roles_["Administrator"]},
                         {"members", {"mallory"}}};
  EXPECT_EQ(mallory->Call("POST", kDm + "/roleAssignments", grab).status, 403);
  grab["roleScopeTagIds"] = {paris_, lyon_};
  EXPECT_EQ(mallory->Call("POST", kDm + "/roleAssignments", grab).status, 403);
  grab["roleScopeTagIds"] = {lyon_};
  EXPECT_EQ(mallory->Call("POST", kDm + "/roleAssignments", grab).status, 403);
  // Within its own tag it may still grant (the check is not a blanket refusal).
  grab["roleScopeTagIds"] = {paris_};
  EXPECT_EQ(mallory->Call("POST", kDm + "/roleAssignments", grab).status, 201);
  // Each refused grab is on record for the unscoped auditors.
  auto denied =
      root_->Call("GET", kDm + "/auditEvents?$filter=" +
                             Encode("activityResult eq 'denied' and actorName eq 'mallory'"));
  EXPECT_EQ(denied.body["value"].size(), 3u) << denied.body;

  auto stolen = mallory->Call("GET", Reveal(lyon_pc->identity().device_id));
  EXPECT_EQ(stolen.status, 404) << stolen.body;
  EXPECT_EQ(stolen.body.dump().find("passwordBase64"), std::string::npos);
  EXPECT_EQ(mallory->Call("GET", Reveal(paris_pc->identity().device_id)).status, 200);

  // Nor through a custom role: it cannot define one with rights it lacks,
  // and an unscoped assignment of a role it holds is still refused.
  auto reader = NewAdmin("reader-manager", "Read Only Operator", {paris_});
  auto definer = reader->Call(
      "POST", kDm + "/roleDefinitions",
      {{"displayName", "Reveal"},
       {"rolePermissions", {{{"allowedResourceActions", {"DeviceLocalCredential.Read.All"}}}}}});
  EXPECT_EQ(definer.status, 403);  // no role management at all
  auto custom = mallory->Call(
      "POST", kDm + "/roleDefinitions",
      {{"displayName", "Reveal"},
       {"rolePermissions", {{{"allowedResourceActions", {"DeviceLocalCredential.Read.All"}}}}}});
  ASSERT_EQ(custom.status, 201) << custom.body;
  EXPECT_EQ(mallory
                ->Call("POST", kDm + "/roleAssignments",
                       {{"displayName", "reveal all"},
                        {"roleDefinitionId", custom.body["id"]},
                        {"members", {"mallory"}}})
                .status,
            403);
}

TEST_F(ScopeAttackTest, RoleDefinitionsHoldOnlyKnownHeldPermissionsOnce) {
  NewRole("Policy and roles", {"DeviceManagement.Rbac.ReadWrite", "DeviceManagement.Rbac.Read",
                               "DeviceManagement.SecurityBaselines.ReadWrite"});
  auto eve = NewAdmin("eve", "Policy and roles", {});
  auto define = [&](std::vector<std::string> permissions) {
    return eve->Call(
        "POST", kDm + "/roleDefinitions",
        {{"displayName", "x"}, {"rolePermissions", {{{"allowedResourceActions", permissions}}}}});
  };
  EXPECT_EQ(define({"DeviceLocalCredential.Read.All"}).status, 403);  // not held
  EXPECT_EQ(define({"DeviceManagement.Rbac.ReadWrite", "DeviceLocalCredential.Read.All"}).status,
            403);
  EXPECT_EQ(define({"DeviceManagement.Everything"}).status, 400);  // unknown
  EXPECT_EQ(define({"DeviceManagement.Rbac.Read", "DeviceManagement.Rbac.Read"}).status, 400);
  EXPECT_EQ(define({}).status, 400);
  EXPECT_EQ(define({"DeviceManagement.Rbac.Read"}).status, 201);
}

TEST_F(ScopeAttackTest, RoleAssignmentsNameOnlyAdminsTheCallerCouldManage) {
  auto mallory = NewAdmin("mallory", "Administrator", {paris_});
  auto lyon_admin = NewAdmin("lyon-admin", "Help Desk Operator", {lyon_});
  nlohmann::json assign = {{"displayName", "x"},
                           {"roleDefinitionId", roles_["Read Only Operator"]},
                           {"roleScopeTagIds", {paris_}}};
  // The root administrator, an admin of another tag, and no admin at all
  // answer the same: the caller learns nothing about who exists.
  for (std::string member : {"admin", "lyon-admin", "nobody-by-this-name"}) {
    assign["members"] = {member};
    auto reply = mallory->Call("POST", kDm + "/roleAssignments", assign);
    EXPECT_EQ(reply.status, 400) << member << " " << reply.body;
    EXPECT_NE(reply.body.dump().find("is not an administrator"), std::string::npos);
  }
  // Scoped readers of roles see only assignments wholly within their tags.
  auto listed = mallory->Call("GET", kDm + "/roleAssignments");
  ASSERT_EQ(listed.status, 200);
  for (const auto& a : listed.body["value"]) {
    EXPECT_EQ(a["roleScopeTagIds"], nlohmann::json::array({paris_})) << a;
  }
  EXPECT_EQ(listed.body["value"].size(), 1u) << listed.body;  // mallory's own
  // Scope tags: listing shows only its own; making one needs unscoped rights.
  auto tags = mallory->Call("GET", kDm + "/roleScopeTags");
  EXPECT_EQ(Ids(tags.body["value"]), std::set<std::string>{paris_});
  EXPECT_EQ(mallory->Call("POST", kDm + "/roleScopeTags", {{"displayName", "Mine"}}).status, 403);
}

// Issue 10: "a scoped audit reader reads every event (reveals of other
// tags' devices included)".
TEST_F(ScopeAttackTest, ScopedAuditReaderSeesOnlyItsTagsEvents) {
  auto lyon_pc = NewDevice("lyon-pc", lyon_);
  auto paris_pc = NewDevice("paris-pc", paris_);
  ASSERT_TRUE(lyon_pc && paris_pc);
  ASSERT_EQ(root_->Call("GET", Reveal(lyon_pc->identity().device_id)).status, 200);
  ASSERT_EQ(root_->Call("GET", Reveal(paris_pc->identity().device_id)).status, 200);
  NewRole("Auditor", {"DeviceManagement.AuditEvents.Read"});
  auto auditor = NewAdmin("auditor", "Auditor", {paris_});

  auto events = auditor->Call("GET", kDm + "/auditEvents");
  ASSERT_EQ(events.status, 200) << events.body;
  bool saw_paris_reveal = false;
  for (const auto& e : events.body["value"]) {
    EXPECT_NE(e.value("targetId", ""), lyon_pc->identity().device_id) << e;
    EXPECT_NE(e.value("category", ""), "Authentication") << e;  // others' sign-ins
    EXPECT_NE(e.value("category", ""), "Role") << e;
    if (e.value("activity", "") == "Recover device local administrator password" &&
        e.value("targetId", "") == paris_pc->identity().device_id) {
      saw_paris_reveal = true;
    }
  }
  EXPECT_TRUE(saw_paris_reveal) << events.body;
  // Asking for the other device by name or filter finds nothing either.
  auto by_device =
      auditor->Call("GET", kDm + "/auditEvents?device=" + lyon_pc->identity().device_id);
  EXPECT_EQ(by_device.body["value"].size(), 0u) << by_device.body;
  auto by_filter =
      auditor->Call("GET", kDm + "/auditEvents?$filter=" +
                               Encode("targetId eq '" + lyon_pc->identity().device_id + "'"));
  EXPECT_EQ(by_filter.body["value"].size(), 0u) << by_filter.body;
  // The chain's verdict speaks of every event: unscoped readers only.
  EXPECT_EQ(auditor->Call("POST", "/api/v1/auditEvents/verify").status, 403);
  EXPECT_EQ(root_->Call("POST", "/api/v1/auditEvents/verify").status, 200);
}

// Issue 10: "a scoped enrollment manager makes tokens for other tags'
// groups (and with a million uses)".
TEST_F(ScopeAttackTest, ScopedEnrollmentManagerStaysInItsTags) {
  const std::string lyon_group = NewGroup("Lyon laptops", lyon_);
  const std::string paris_group = NewGroup("Paris laptops", paris_);
  NewRole("Enroller", {"DeviceManagement.Enrollment.ReadWrite"});
  auto enroller = NewAdmin("enroller", "Enroller", {paris_});
  ASSERT_EQ(root_
                ->Call("POST", "/api/v1/enrollmentTokens",
                       {{"name", "lyon token"}, {"roleScopeTagIds", {lyon_}}})
                .status,
            201);

  auto into_lyon = enroller->Call("POST", "/api/v1/enrollmentTokens",
                                  {{"name", "x"}, {"uses", 1000000}, {"groupIds", {lyon_group}}});
  EXPECT_EQ(into_lyon.status, 400) << into_lyon.body;  // as if the group did not exist
  EXPECT_EQ(into_lyon.body.dump().find("token\":"), std::string::npos);
  auto tagged_lyon =
      enroller->Call("POST", "/api/v1/enrollmentTokens",
                     {{"name", "x"}, {"uses", 1000000}, {"roleScopeTagIds", {lyon_}}});
  EXPECT_EQ(tagged_lyon.status, 403) << tagged_lyon.body;
  auto untagged = enroller->Call("POST", "/api/v1/enrollmentTokens",
                                 {{"name", "x"}, {"roleScopeTagIds", nlohmann::json::array()}});
  EXPECT_EQ(untagged.status, 403) << untagged.body;  // Default is not its tag either

  // Without tags named, the token gets the creator's: its devices land in Paris.
  auto own = enroller->Call("POST", "/api/v1/enrollmentTokens",
                            {{"name", "paris token"}, {"groupIds", {paris_group}}});
  ASSERT_EQ(own.status, 201) << own.body;
  agent::EnrollRequest request;
  request.token = own.body["token"];
  request.device_name = "new-paris-pc";
  auto device = agent::DeviceClient::Enroll(lapsd_->base_url(), request, clock_);
  ASSERT_TRUE(device.ok()) << device.status();
  auto got = root_->Call("GET", kDm + "/managedDevices/" + (*device)->identity().device_id);
  EXPECT_EQ(got.body["roleScopeTagIds"], nlohmann::json::array({paris_})) << got.body;

  auto listed = enroller->Call("GET", "/api/v1/enrollmentTokens");
  ASSERT_EQ(listed.status, 200);
  ASSERT_EQ(listed.body["value"].size(), 1u) << listed.body;
  EXPECT_EQ(listed.body["value"][0]["name"], "paris token");
}

// Issue 10: "a scoped policy manager assigns its policy to another tag's
// group and so changes those devices' password settings".
TEST_F(ScopeAttackTest, ScopedPolicyManagerCannotReachAnotherTagsGroup) {
  const std::string lyon_group = NewGroup("Lyon laptops", lyon_);
  const std::string paris_group = NewGroup("Paris laptops", paris_);
  const std::string policy = NewPolicy("Paris policy", {paris_});
  auto manager = NewAdmin("manager", "Endpoint Security Manager", {paris_});
  const std::string assign = kDm + "/configurationPolicies/" + policy + "/assign";
  auto target = [](const std::string& group) {
    return nlohmann::json{
        {"target",
         {{"@odata.type", "#microsoft.graph.groupAssignmentTarget"}, {"groupId", group}}}};
  };

  auto attack = manager->Call("POST", assign, {{"assignments", {target(lyon_group)}}});
  EXPECT_EQ(attack.status, 400) << attack.body;
  auto assignments = root_->Call("GET", kDm + "/configurationPolicies/" + policy + "/assignments");
  EXPECT_EQ(assignments.body["value"].size(), 0u) << assignments.body;

  // An assignment an unscoped admin made to a Lyon group is neither shown
  // to the Paris manager nor dropped by its reassignment.
  ASSERT_EQ(root_->Call("POST", assign, {{"assignments", {target(lyon_group)}}}).status, 200);
  auto own = manager->Call("POST", assign, {{"assignments", {target(paris_group)}}});
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(own.body["value"].size(), 1u) << own.body;
  auto seen = manager->Call("GET", kDm + "/configurationPolicies/" + policy + "/assignments");
  ASSERT_EQ(seen.body["value"].size(), 1u) << seen.body;
  EXPECT_EQ(seen.body["value"][0]["target"]["groupId"], paris_group);
  auto all = root_->Call("GET", kDm + "/configurationPolicies/" + policy + "/assignments");
  std::set<std::string> groups;
  for (const auto& a : all.body["value"]) groups.insert(a["target"]["groupId"]);
  EXPECT_EQ(groups, (std::set<std::string>{lyon_group, paris_group}));
}

TEST_F(ScopeAttackTest, ScopedPolicyManagerCannotRetagOutOfItsScope) {
  auto manager = NewAdmin("manager", "Endpoint Security Manager", {paris_});
  const std::string paris_policy = NewPolicy("Paris policy", {paris_});
  const std::string shared = NewPolicy("Shared policy", {paris_, lyon_});
  const std::string lyon_policy = NewPolicy("Lyon policy", {lyon_});
  auto patch = [&](const std::string& policy, const nlohmann::json& body) {
    return manager->Call("PATCH", kDm + "/configurationPolicies/" + policy, body).status;
  };
  EXPECT_EQ(patch(paris_policy, {{"roleScopeTagIds", {paris_, lyon_}}}), 403);  // widen
  EXPECT_EQ(patch(paris_policy, {{"roleScopeTagIds", {lyon_}}}), 403);          // hand over
  EXPECT_EQ(patch(paris_policy, {{"roleScopeTagIds", nlohmann::json::array()}}), 403);
  EXPECT_EQ(patch(shared, {{"roleScopeTagIds", {paris_}}}), 403);  // take it from Lyon
  EXPECT_EQ(patch(shared, {{"description", "edited in place"}}), 200);
  EXPECT_EQ(patch(lyon_policy, {{"description", "x"}}), 404);
  EXPECT_EQ(manager->Call("DELETE", kDm + "/configurationPolicies/" + lyon_policy).status, 404);
  auto created = manager->Call("POST", kDm + "/configurationPolicies",
                               {{"name", "Lyon by Paris"},
                                {"roleScopeTagIds", {lyon_}},
                                {"lapsSettings", {{"backupDirectory", 1}}}});
  EXPECT_EQ(created.status, 403);
  auto untagged = manager->Call("POST", kDm + "/configurationPolicies",
                                {{"name", "Mine"}, {"lapsSettings", {{"backupDirectory", 1}}}});
  ASSERT_EQ(untagged.status, 201) << untagged.body;
  EXPECT_EQ(untagged.body["roleScopeTagIds"], nlohmann::json::array({paris_}));
  auto policy = root_->Call("GET", kDm + "/configurationPolicies/" + shared);
  EXPECT_EQ(policy.body["roleScopeTagIds"].size(), 2u);
}

// Issue 10: "a scoped group manager deletes another tag's group".
TEST_F(ScopeAttackTest, ScopedGroupManagerCannotTouchAnotherTagsGroup) {
  auto lyon_pc = NewDevice("lyon-pc", lyon_);
  auto paris_pc = NewDevice("paris-pc", paris_);
  ASSERT_TRUE(lyon_pc && paris_pc);
  const std::string lyon_group = NewGroup("Lyon laptops", lyon_);
  const std::string paris_group = NewGroup("Paris laptops", paris_);
  NewRole("Group manager",
          {"Group.Read.All", "Group.ReadWrite.All", "DeviceManagement.ManagedDevices.Read"});
  auto groups = NewAdmin("grouper", "Group manager", {paris_});

  EXPECT_EQ(groups->Call("DELETE", "/v1.0/groups/" + lyon_group).status, 404);
  EXPECT_EQ(root_->Call("GET", "/v1.0/groups/" + lyon_group).status, 200);
  EXPECT_EQ(groups->Call("GET", "/v1.0/groups/" + lyon_group).status, 404);
  EXPECT_EQ(groups->Call("GET", "/v1.0/groups/" + lyon_group + "/members").status, 404);
  EXPECT_EQ(Ids(groups->Call("GET", "/v1.0/groups").body["value"]),
            std::set<std::string>{paris_group});
  // $filter does not reach past the scope either.
  auto filtered =
      groups->Call("GET", "/v1.0/groups?$filter=" + Encode("displayName eq 'Lyon laptops'"));
  EXPECT_EQ(filtered.body["value"].size(), 0u) << filtered.body;

  // Moving a Paris device into a Lyon group, or a Lyon device into a Paris group.
  const std::string paris_id = paris_pc->identity().device_id;
  const std::string lyon_id = lyon_pc->identity().device_id;
  EXPECT_EQ(
      groups
          ->Call("POST", "/v1.0/groups/" + lyon_group + "/members/$ref", {{"@odata.id", paris_id}})
          .status,
      404);
  EXPECT_EQ(
      groups
          ->Call("POST", "/v1.0/groups/" + paris_group + "/members/$ref", {{"@odata.id", lyon_id}})
          .status,
      400);
  // A Lyon device an unscoped admin put into the Paris group: not listed to
  // the Paris manager, and not removable by it.
  ASSERT_EQ(
      root_->Call("POST", "/v1.0/groups/" + paris_group + "/members/$ref", {{"@odata.id", lyon_id}})
          .status,
      204);
  auto members = groups->Call("GET", "/v1.0/groups/" + paris_group + "/members");
  ASSERT_EQ(members.status, 200);
  EXPECT_EQ(Ids(members.body["value"]).count(lyon_id), 0u) << members.body;
  EXPECT_EQ(groups->Call("GET", "/v1.0/groups/" + paris_group).body["memberCount"], 0);
  EXPECT_EQ(root_->Call("GET", "/v1.0/groups/" + paris_group).body["memberCount"], 1);
  EXPECT_EQ(groups->Call("DELETE", "/v1.0/groups/" + paris_group + "/members/" + lyon_id + "/$ref")
                .status,
            404);

  // Groups it makes are its own; other tags it cannot give them.
  auto made = groups->Call("POST", "/v1.0/groups", {{"displayName", "New"}});
  ASSERT_EQ(made.status, 201);
  EXPECT_EQ(made.body["roleScopeTagIds"], nlohmann::json::array({paris_}));
  EXPECT_EQ(
      groups
          ->Call("POST", "/v1.0/groups", {{"displayName", "Sneaky"}, {"roleScopeTagIds", {lyon_}}})
          .status,
      403);
  EXPECT_EQ(groups->Call("DELETE", "/v1.0/groups/" + paris_group).status, 204);
}

TEST_F(ScopeAttackTest, ReportsAndListsShowNoOtherTagsDevice) {
  auto lyon_pc = NewDevice("lyon-pc", lyon_);
  auto paris_pc = NewDevice("paris-pc", paris_);
  ASSERT_TRUE(lyon_pc && paris_pc);
  const std::string lyon_id = lyon_pc->identity().device_id;
  const std::string lyon_policy = NewPolicy("Lyon policy", {lyon_});
  const std::string lyon_group = NewGroup("Lyon laptops", lyon_);
  ASSERT_EQ(
      root_->Call("POST", "/v1.0/groups/" + lyon_group + "/members/$ref", {{"@odata.id", lyon_id}})
          .status,
      204);
  ASSERT_EQ(root_
                ->Call("POST", kDm + "/configurationPolicies/" + lyon_policy + "/assign",
                       {{"assignments",
                         {{{"target",
                            {{"@odata.type", "#microsoft.graph.groupAssignmentTarget"},
                             {"groupId", lyon_group}}}}}}})
                .status,
            200);
  auto helpdesk = NewAdmin("helpdesk", "Help Desk Operator", {paris_});

  auto filtered =
      helpdesk->Call("GET", kDm + "/managedDevices?$filter=" + Encode("deviceName eq 'lyon-pc'"));
  EXPECT_EQ(filtered.body["value"].size(), 0u) << filtered.body;
  EXPECT_EQ(helpdesk->Call("GET", kDm + "/managedDevices/" + lyon_id).status, 404);
  EXPECT_EQ(helpdesk->Call("POST", kDm + "/managedDevices/" + lyon_id + "/rotateLocalAdminPassword")
                .status,
            404);
  EXPECT_EQ(helpdesk->Call("GET", kDm + "/configurationPolicies/" + lyon_policy + "/deviceStatuses")
                .status,
            404);
  auto credentials = helpdesk->Call("GET", "/v1.0/directory/deviceLocalCredentials");
  EXPECT_EQ(Ids(credentials.body["value"]).count(lyon_id), 0u);

  auto rotation = helpdesk->Call("GET", "/api/v1/reports/passwordRotation");
  ASSERT_EQ(rotation.status, 200);
  EXPECT_EQ(Ids(rotation.body["value"], "deviceId"),
            std::set<std::string>{paris_pc->identity().device_id});
  EXPECT_EQ(helpdesk->Call("GET", "/api/v1/reports/policyStates?deviceId=" + lyon_id).status, 404);
  auto states = helpdesk->Call("GET", "/api/v1/reports/policyStates");
  EXPECT_EQ(Ids(states.body["value"], "policyId").count(lyon_policy), 0u) << states.body;
  auto history = helpdesk->Call("GET", "/api/v1/reports/rotationHistory?deviceId=" + lyon_id);
  EXPECT_EQ(history.body["value"].size(), 0u);
  for (std::string report : {"passwordRotation", "rotationHistory", "policyStates"}) {
    std::string csv = Csv("helpdesk", "/api/v1/reports/" + report + "?$format=csv");
    EXPECT_EQ(csv.find("lyon-pc"), std::string::npos) << report << "\n" << csv;
    EXPECT_EQ(csv.find(lyon_id), std::string::npos) << report;
    EXPECT_EQ(csv.find("Lyon policy"), std::string::npos) << report;
  }
  // The unscoped root sees the Lyon device, so the checks above can fail.
  auto everything = root_->Call("GET", "/api/v1/reports/passwordRotation");
  EXPECT_EQ(Ids(everything.body["value"], "deviceId").count(lyon_id), 1u);
}

}  // namespace
}  // namespace openlaps

#include "agent/active_directory/domain_controller_locator.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace openlaps::agent::ad {
namespace {

// A DNS answer message for _ldap._tcp.dc._msdcs.lab.test with the given SRV
// records (priority, weight, port, target labels).
std::vector<std::uint8_t> Answer(const std::vector<ServiceRecord>& records) {
  std::vector<std::uint8_t> m = {
      0x12, 0x34, 0x81, 0x80, 0, 1, 0, static_cast<std::uint8_t>(records.size()), 0, 0, 0, 0};
  auto name = [&m](std::string_view dotted) {
    std::size_t start = 0;
    while (start < dotted.size()) {
      std::size_t end = dotted.find('.', start);
      if (end == std::string_view::npos) end = dotted.size();
      m.push_back(static_cast<std::uint8_t>(end - start));
      m.insert(m.end(), dotted.begin() + start, dotted.begin() + end);
      start = end + 1;
    }
    m.push_back(0);
  };
  auto u16 = [&m](int v) {
    m.push_back(static_cast<std::uint8_t>(v >> 8));
    m.push_back(static_cast<std::uint8_t>(v));
  };
  name("_ldap._tcp.dc._msdcs.lab.test");
  u16(33);  // SRV
  u16(1);   // IN
  for (const ServiceRecord& r : records) {
    m.push_back(0xc0);  // the question's name, compressed
    m.push_back(12);
    u16(33);
    u16(1);
    m.insert(m.end(), {0, 0, 0x0e, 0x10});  // TTL
    std::vector<std::uint8_t> target;
    std::swap(target, m);
    name(r.target == "." ? "" : r.target);
    std::swap(target, m);
    u16(static_cast<int>(6 + target.size()));
    u16(r.priority);
    u16(r.weight);
    u16(r.port);
    m.insert(m.end(), target.begin(), target.end());
  }
  return m;
}

TEST(DomainControllerLocatorTest, ParsesSrvRecordsAndOrdersThemAsRfc2782) {
  const std::vector<ServiceRecord> records = {
      {10, 50, 389, "dc3.lab.test"}, {0, 10, 389, "dc2.lab.test"}, {0, 90, 3389, "dc1.lab.test"}};
  ASSERT_OK_AND_ASSIGN(auto parsed, ParseServiceRecords(Answer(records)));
  EXPECT_EQ(parsed, records);
  EXPECT_EQ(LdapUris(parsed),
            (std::vector<std::string>{"ldap://dc1.lab.test:3389", "ldap://dc2.lab.test:389",
                                      "ldap://dc3.lab.test:389"}));
}

TEST(DomainControllerLocatorTest, ARootTargetMeansNoService) {
  ASSERT_OK_AND_ASSIGN(auto parsed, ParseServiceRecords(Answer({{0, 0, 0, "."}})));
  EXPECT_TRUE(parsed.empty());
}

TEST(DomainControllerLocatorTest, MalformedAnswersAreRefusedNotRead) {
  std::vector<std::uint8_t> answer = Answer({{0, 10, 389, "dc1.lab.test"}});
  for (std::size_t cut = 0; cut < answer.size(); ++cut) {
    auto parsed = ParseServiceRecords(std::span(answer.data(), cut));
    EXPECT_TRUE(!parsed.ok() || parsed->empty() || cut == answer.size()) << cut;
  }
  EXPECT_TRUE(ParseServiceRecords({}).status().IsInvalidArgument());
}

}  // namespace
}  // namespace openlaps::agent::ad

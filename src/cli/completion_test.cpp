#include "cli/completion.h"

#include <gtest/gtest.h>

#include "cli/lapsctl.h"

namespace openlaps::cli {
namespace {

TEST(CompletionTest, CoversEveryCommandAndItsOptions) {
  std::string script = BashCompletion(AllCommands());
  EXPECT_NE(script.find("complete -F _lapsctl lapsctl"), std::string::npos);
  for (const CommandSpec& c : AllCommands()) {
    EXPECT_NE(script.find(std::string(c.path[0])), std::string::npos) << c.path[0];
    for (const OptionSpec& o : c.options) {
      EXPECT_NE(script.find("--" + std::string(o.name)), std::string::npos) << o.name;
    }
  }
  EXPECT_NE(script.find("\"password show\") opts=\""), std::string::npos);
}

}  // namespace
}  // namespace openlaps::cli

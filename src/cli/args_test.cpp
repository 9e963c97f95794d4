#include "cli/args.h"

#include <gtest/gtest.h>

namespace openlaps::cli {
namespace {

const std::vector<OptionSpec> kOptions = {
    {"top", "N", "at most N"},
    {"yes", "", "no questions"},
    {"include", "GROUP", "groups", true},
    {"exclude", "GROUP", "groups", true},
    {"help", "", "help"},
};

Result<ParsedArgs> Parse(std::vector<std::string> args) { return ParseArgs(args, kOptions); }

TEST(ArgsTest, ValuesFlagsAndPositionals) {
  auto parsed = Parse({"lab-01", "--top", "5", "--yes", "--top=7"});
  EXPECT_FALSE(parsed.ok()) << "--top given twice";
  parsed = Parse({"lab-01", "--top=7", "-y", "extra"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->positionals(), (std::vector<std::string>{"lab-01", "extra"}));
  EXPECT_EQ(parsed->Value("top"), "7");
  EXPECT_TRUE(parsed->Has("yes"));
  EXPECT_FALSE(parsed->Has("help"));
}

TEST(ArgsTest, RepeatableOptionsTakeSeveralValues) {
  auto parsed = Parse({"policy-id", "--include", "a", "b", "--exclude", "c", "--include", "d"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->positionals(), std::vector<std::string>{"policy-id"});
  EXPECT_EQ(parsed->Values("include"), (std::vector<std::string>{"a", "b", "d"}));
  EXPECT_EQ(parsed->Values("exclude"), std::vector<std::string>{"c"});
}

TEST(ArgsTest, DoubleDashEndsOptions) {
  auto parsed = Parse({"--", "--yes", "-x"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->positionals(), (std::vector<std::string>{"--yes", "-x"}));
  EXPECT_FALSE(parsed->Has("yes"));
}

TEST(ArgsTest, RejectsWhatItDoesNotKnow) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {{"--password", "x"}, "unknown option '--password'"},
           {{"--top"}, "--top needs a value"},
           {{"--yes=1"}, "--yes does not take a value"},
           {{"--include", "--yes"}, "--include needs a value"},
           {{"-q"}, "unknown option '-q'"},
           {{"--top="}, "--top needs a non-empty value"},
       }) {
    auto parsed = Parse(c.args);
    ASSERT_FALSE(parsed.ok()) << c.args[0];
    EXPECT_TRUE(parsed.status().IsInvalidArgument());
    EXPECT_NE(parsed.status().message().find(c.message), std::string::npos)
        << parsed.status().message();
  }
}

TEST(ArgsTest, ParseIntegerChecksRange) {
  EXPECT_EQ(*ParseInteger("--top", "12", 1, 100), 12);
  EXPECT_FALSE(ParseInteger("--top", "0", 1, 100).ok());
  EXPECT_FALSE(ParseInteger("--top", "12x", 1, 100).ok());
  EXPECT_FALSE(ParseInteger("--top", "", 1, 100).ok());
  EXPECT_FALSE(ParseInteger("--top", "101", 1, 100).ok());
}

}  // namespace
}  // namespace openlaps::cli

// Rendezvous: torchrun's environment contract and the checks a user's
// mistake must meet before anything connects (DESIGN §4).
#include "galt/dist/rendezvous.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "galt/error.h"

namespace galt::dist {
namespace {

// Sets the contract's variables for one test and clears them afterwards.
class Environment : public ::testing::Test {
 protected:
  void SetUp() override { clear(); }
  void TearDown() override { clear(); }
  static void clear() {
    for (const char* v :
         {"RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "GLOO_SOCKET_IFNAME"})
      ::unsetenv(v);
  }
  static void set(const char* name, const char* value) { ::setenv(name, value, 1); }
  static void set_all() {
    set("RANK", "1");
    set("WORLD_SIZE", "3");
    set("MASTER_ADDR", "127.0.0.1");
    set("MASTER_PORT", "29555");
  }
  static std::string error_of() {
    try {
      Rendezvous::from_environment();
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  }
};

TEST_F(Environment, ReadsTorchrunsVariables) {
  EXPECT_FALSE(Rendezvous::in_environment());
  set_all();
  set("LOCAL_RANK", "0");
  EXPECT_TRUE(Rendezvous::in_environment());
  const auto r = Rendezvous::from_environment();
  EXPECT_EQ(r.rank, 1);
  EXPECT_EQ(r.world_size, 3);
  EXPECT_EQ(r.local_rank, 0);
  EXPECT_EQ(r.master_addr, "127.0.0.1");
  EXPECT_EQ(r.master_port, 29555);
  EXPECT_EQ(r.describe(), "rank 1 of 3 (rendezvous 127.0.0.1:29555)");
  ::unsetenv("LOCAL_RANK");
  EXPECT_EQ(Rendezvous::from_environment().local_rank, 1);  // defaults to RANK
}

TEST_F(Environment, AMissingVariableIsNamed) {
  for (const char* missing : {"RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"}) {
    set_all();
    ::unsetenv(missing);
    const std::string e = error_of();
    EXPECT_NE(e.find(std::string(missing) + " is not set"), std::string::npos) << e;
  }
}

TEST_F(Environment, MalformedAndInconsistentValuesAreInputErrors) {
  const std::pair<const char*, const char*> bad[] = {
      {"RANK", "one"},          {"RANK", "1 "},       {"WORLD_SIZE", ""}, {"MASTER_PORT", "x"},
      {"MASTER_PORT", "70000"}, {"LOCAL_RANK", "-1"}, {"RANK", "3"},  // rank ≥ world size
      {"WORLD_SIZE", "0"},      {"RANK", "-1"},       {"MASTER_ADDR", ""}};
  for (const auto& [name, value] : bad) {
    set_all();
    set(name, value);
    EXPECT_NE(error_of(), "") << name << "='" << value << "' was accepted";
  }
  set_all();
  set("RANK", "3");
  EXPECT_NE(error_of().find("rank 3 is outside [0, 3)"), std::string::npos) << error_of();
}

TEST(Rendezvous, ValidateChecksEveryField) {
  Rendezvous r;
  EXPECT_NO_THROW(r.validate());
  r.world_size = 0;
  EXPECT_THROW(r.validate(), InputError);
  r = {};
  r.rank = 1;
  EXPECT_THROW(r.validate(), InputError);
  r = {};
  r.master_port = 0;
  EXPECT_THROW(r.validate(), InputError);
  r = {};
  r.timeout = std::chrono::milliseconds(0);
  EXPECT_THROW(r.validate(), InputError);
}

}  // namespace
}  // namespace galt::dist

// The agent's own files, as a crash, a full disk or a meddling admin may
// leave them: identity.json, state.json, journal.json and the
// authentication mark, each read from a scratch state directory. The first
// byte chooses the file.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "agent/agent_state.h"
#include "agent/authentication_records.h"
#include "agent/rotation_journal.h"
#include "fuzz/fuzz_input.h"

namespace {

const std::filesystem::path& StateDir() {
  static const std::filesystem::path dir = [] {
    std::filesystem::path d = std::filesystem::temp_directory_path() /
                              ("openlaps-fuzz-agent-files-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    std::filesystem::permissions(d, std::filesystem::perms::owner_all);
    return d;
  }();
  return dir;
}

void Write(const std::filesystem::path& file, std::string_view text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  std::filesystem::permissions(
      file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace openlaps;
  std::string_view text = fuzz::AsText(data, size);
  const std::uint8_t which = fuzz::TakeSelector(text) % 4;
  const std::filesystem::path& dir = StateDir();
  static const char* const kFiles[] = {"identity.json", "state.json", "journal.json",
                                       "last-authentication.json"};
  Write(dir / kFiles[which], text);
  switch (which) {
    case 0:
    case 1: {
      auto state = agent::StateDirectory::Open(dir);
      if (!state.ok()) fuzz::Broken();
      if (which == 0) {
        (void)state->LoadIdentity();
      } else {
        (void)state->LoadState();
      }
      break;
    }
    case 2:
      (void)agent::RotationJournal(dir).Load();
      break;
    default:
      (void)agent::ReadAuthenticationMark(dir);
      break;
  }
  std::filesystem::remove(dir / kFiles[which]);
  return 0;
}

#include "cli/clipboard.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <string>
#include <vector>

namespace openlaps::cli {

namespace {

struct ClipboardTool {
  std::string_view name;
  std::array<std::string_view, 2> args;  // after the program name; empty ones are skipped
};

constexpr std::array<ClipboardTool, 3> kTools = {{
    {"wl-copy", {"", ""}},
    {"xclip", {"-selection", "clipboard"}},
    {"xsel", {"-b", "-i"}},
}};

std::optional<std::filesystem::path> FindOnPath(std::string_view path_env, std::string_view name) {
  std::size_t start = 0;
  while (start <= path_env.size()) {
    std::size_t colon = path_env.find(':', start);
    std::string_view dir = path_env.substr(
        start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
    if (!dir.empty()) {
      std::filesystem::path candidate = std::filesystem::path(dir) / name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  return std::nullopt;
}

const ClipboardTool* ToolNamed(const std::filesystem::path& path) {
  for (const auto& tool : kTools) {
    if (path.filename() == tool.name) return &tool;
  }
  return nullptr;
}

}  // namespace

std::optional<std::filesystem::path> FindClipboardTool(std::string_view path_env) {
  for (const auto& tool : kTools) {
    if (auto found = FindOnPath(path_env, tool.name)) return found;
  }
  return std::nullopt;
}

Status CopyToClipboard(std::string_view text, std::string_view path_env) {
  auto program = FindClipboardTool(path_env);
  if (!program) {
    return FailedPreconditionError(
        "no clipboard tool found on PATH: install wl-copy (Wayland), xclip or xsel (X11)");
  }
  const ClipboardTool* tool = ToolNamed(*program);
  std::vector<std::string> args = {program->string()};
  for (std::string_view a : tool->args) {
    if (!a.empty()) args.emplace_back(a);
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return InternalError("pipe failed");
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return InternalError("fork failed");
  }
  if (pid == 0) {
    // The tool may linger to serve the selection: keep it off our stdout.
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(fds[0], STDIN_FILENO);
    if (null >= 0) {
      ::dup2(null, STDOUT_FILENO);
      ::dup2(null, STDERR_FILENO);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(fds[0]);
  // A tool that exits early must not kill us with SIGPIPE.
  struct sigaction ignore {};
  struct sigaction previous {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &previous);
  bool written = true;
  while (!text.empty()) {
    ssize_t n = ::write(fds[1], text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      written = false;
      break;
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  ::close(fds[1]);
  ::sigaction(SIGPIPE, &previous, nullptr);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!written || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return InternalError(program->filename().string() + " could not set the clipboard");
  }
  return Status::Ok();
}

}  // namespace openlaps::cli

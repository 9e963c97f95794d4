#include "cli/terminal.h"

#include <termios.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <optional>

namespace openlaps::cli {

namespace {

// Turns echo off for its lifetime, restoring the terminal after.
class EchoOff {
 public:
  explicit EchoOff(int fd) : fd_(fd) {
    if (fd_ < 0 || ::tcgetattr(fd_, &saved_) != 0) {
      fd_ = -1;
      return;
    }
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    if (::tcsetattr(fd_, TCSAFLUSH, &quiet) != 0) fd_ = -1;
  }
  ~EchoOff() {
    if (fd_ >= 0) ::tcsetattr(fd_, TCSAFLUSH, &saved_);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  int fd_;
  termios saved_{};
};

}  // namespace

Result<core::SecretString> ReadSecret(Io& io, std::string_view prompt) {
  bool terminal = io.in_fd >= 0 && ::isatty(io.in_fd);
  core::SecretString secret;
  {
    std::optional<EchoOff> echo_off;
    if (terminal) {
      io.err << prompt << std::flush;
      echo_off.emplace(io.in_fd);
    }
    // Character by character, so no std::string copy of the secret lingers.
    char c = 0;
    bool any = false;
    while (io.in.get(c)) {
      any = true;
      if (c == '\n') break;
      if (c != '\r') secret.Append(c);
    }
    if (!any) return InvalidArgumentError("no password on standard input");
  }
  if (secret.empty()) return InvalidArgumentError("the password is empty");
  return secret;
}

bool Confirm(Io& io, std::string_view question) {
  io.err << question << ' ' << std::flush;
  std::string answer;
  if (!std::getline(io.in, answer)) {
    io.err << '\n';
    return false;
  }
  for (char& c : answer) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!answer.empty() && std::isspace(static_cast<unsigned char>(answer.back()))) {
    answer.pop_back();
  }
  return answer == "y" || answer == "yes";
}

void ProgressLine::Update(std::string_view state, long elapsed_seconds) {
  static constexpr std::array<char, 4> kSpinner = {'|', '/', '-', '\\'};
  if (io_.err_is_tty) {
    io_.err << '\r' << kSpinner[static_cast<std::size_t>(frame_++) % kSpinner.size()] << ' '
            << state << " (" << elapsed_seconds << "s)\x1b[K" << std::flush;
    drawn_ = true;
    return;
  }
  if (state != last_state_) {
    io_.err << state << '\n' << std::flush;
    last_state_ = std::string(state);
  }
}

void ProgressLine::Finish() {
  if (drawn_) io_.err << "\r\x1b[K" << std::flush;
  drawn_ = false;
}

}  // namespace openlaps::cli

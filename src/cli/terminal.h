// The terminal lapsctl talks to: its three streams, whether a person is at
// the keyboard, questions, secrets read without echo, and a progress line.
#ifndef OPENLAPS_CLI_TERMINAL_H_
#define OPENLAPS_CLI_TERMINAL_H_

#include <istream>
#include <ostream>
#include <string>
#include <string_view>

#include "core/secret.h"
#include "core/status.h"

namespace openlaps::cli {

struct Io {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  int in_fd = -1;           // for turning echo off; -1 when `in` is no terminal
  bool err_is_tty = false;  // progress redraws in place only on a terminal
};

// Reads one line as a secret. When in_fd is a terminal, `prompt` goes to
// err and echo is off while typing; otherwise the line is read silently
// (--password-stdin). InvalidArgument on end of input or an empty line.
Result<core::SecretString> ReadSecret(Io& io, std::string_view prompt);

// Asks `question` on err and reads one line: true only for y or yes (any
// case). End of input is a no.
bool Confirm(Io& io, std::string_view question);

// One line of progress on err: redrawn in place on a terminal, printed once
// per change of text otherwise. Finish() ends the line.
class ProgressLine {
 public:
  explicit ProgressLine(Io& io) : io_(io) {}
  ~ProgressLine() { Finish(); }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // `state` is what is shown for non-terminals; `elapsed_seconds` animates.
  void Update(std::string_view state, long elapsed_seconds);
  void Finish();

 private:
  Io& io_;
  std::string last_state_;
  int frame_ = 0;
  bool drawn_ = false;
};

}  // namespace openlaps::cli

#endif  // OPENLAPS_CLI_TERMINAL_H_

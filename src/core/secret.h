// SecretString: a password or key in memory. Its pages are locked against
// swapping where the OS allows (best effort), it is zeroed on destruction
// and on every reallocation, it never prints, and it cannot be copied by
// accident. Reach the bytes with Reveal(), which reads as what it is.
//
// Lives in core because the password generator (core) produces secrets;
// crypto and every other module use this one type.
#ifndef OPENLAPS_CORE_SECRET_H_
#define OPENLAPS_CORE_SECRET_H_

#include <cstddef>
#include <ostream>
#include <string_view>

namespace openlaps::core {

class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string_view bytes);
  ~SecretString();

  SecretString(SecretString&& other) noexcept;
  SecretString& operator=(SecretString&& other) noexcept;
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;
  // An explicit copy, for the rare place that needs two.
  SecretString Clone() const { return SecretString(Reveal()); }

  void Append(char c);
  void Append(std::string_view bytes);
  void Clear();  // zeroes and releases

  std::string_view Reveal() const { return {data_, size_}; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  friend bool operator==(const SecretString& a, const SecretString& b);

 private:
  void Reserve(std::size_t capacity);

  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

// Prints a fixed placeholder, never the content.
std::ostream& operator<<(std::ostream& os, const SecretString& secret);

// Zeroes memory in a way the compiler may not elide.
void SecureZero(void* data, std::size_t size);

}  // namespace openlaps::core

#endif  // OPENLAPS_CORE_SECRET_H_

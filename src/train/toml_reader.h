// The TOML reading shared by the config files of src/train (config.cpp: the
// benchmark configs; run_config.cpp: `galt train`'s run configs): every
// table checks its keys, every value its type and range, and every error is
// a galt::InputError naming the file, the key and what was expected — a
// typo must never fall back to a default silently. Internal to galt_train.
#pragma once

#include <toml++/toml.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "galt/error.h"

namespace galt::train::detail {

class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw InputError(source_ + ": " + key + ": " + what);
  }

  const toml::table* table(const toml::table& root, const std::string& name,
                           const std::set<std::string>& keys) const {
    const auto* node = root.get(name);
    if (!node) return nullptr;
    const auto* t = node->as_table();
    if (!t) fail("[" + name + "]", "expected a table");
    for (const auto& [k, _] : *t)
      if (!keys.count(std::string(k.str()))) {
        std::string known;
        for (const auto& s : keys) known += (known.empty() ? "" : ", ") + s;
        fail(name + "." + std::string(k.str()), "unknown key (known: " + known + ")");
      }
    return t;
  }

  // TOML has nan and inf; no real-valued setting of a config means either,
  // so every number must be finite (the caller checks its range).
  double number(const toml::table* t, const std::string& tname, const std::string& key,
                double def) const {
    if (!t) return def;
    const auto* n = t->get(key);
    if (!n) return def;
    const auto v = n->value<double>();
    if (!v) fail(tname + "." + key, "expected a number");
    if (!std::isfinite(*v)) fail(tname + "." + key, "expected a finite number, got " + show(*v));
    return *v;
  }
  // `max` guards the fields stored as int, where a larger value would wrap.
  int64_t integer(const toml::table* t, const std::string& tname, const std::string& key,
                  int64_t def, int64_t min,
                  int64_t max = std::numeric_limits<int64_t>::max()) const {
    if (!t) return def;
    const auto* n = t->get(key);
    if (!n) return def;
    if (!n->is_integer()) fail(tname + "." + key, "expected an integer");
    const int64_t v = *n->value<int64_t>();
    if (v < min)
      fail(tname + "." + key, std::to_string(v) + " is below the minimum " + std::to_string(min));
    if (v > max)
      fail(tname + "." + key, std::to_string(v) + " is above the maximum " + std::to_string(max));
    return v;
  }
  static std::string show(double v) {
    std::ostringstream os;
    os << v;
    return os.str();
  }
  std::string string(const toml::table* t, const std::string& tname, const std::string& key,
                     const std::string& def, const std::set<std::string>& allowed = {}) const {
    if (!t) return def;
    const auto* n = t->get(key);
    if (!n) return def;
    auto v = n->value<std::string>();
    if (!v) fail(tname + "." + key, "expected a string");
    if (!allowed.empty() && !allowed.count(*v)) {
      std::string known;
      for (const auto& s : allowed) known += (known.empty() ? "" : ", ") + ("\"" + s + "\"");
      fail(tname + "." + key, "\"" + *v + "\" is not one of " + known);
    }
    return *v;
  }
  template <class T>
  std::vector<T> array(const toml::table* t, const std::string& tname, const std::string& key,
                       const std::vector<T>& def) const {
    if (!t) return def;
    const auto* n = t->get(key);
    if (!n) return def;
    const auto* a = n->as_array();
    if (!a) fail(tname + "." + key, "expected an array");
    std::vector<T> out;
    for (const auto& e : *a) {
      if constexpr (std::is_same_v<T, std::string>) {
        auto v = e.value<std::string>();
        if (!v) fail(tname + "." + key, "expected an array of strings");
        out.push_back(*v);
      } else {
        if (!e.is_integer()) fail(tname + "." + key, "expected an array of integers");
        const int64_t v = *e.value<int64_t>();
        if (v < 0)
          fail(tname + "." + key, "expected non-negative integers, got " + std::to_string(v));
        out.push_back(static_cast<T>(v));
      }
    }
    return out;
  }

 private:
  std::string source_;
};

// TOML text → table; a syntax error is an InputError naming the line and column.
inline toml::table parse_toml(const std::string& text, const std::string& source) {
  try {
    return toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << source << ": TOML syntax error at line " << e.source().begin.line << ", column "
       << e.source().begin.column << ": " << e.description();
    throw InputError(os.str());
  }
}

// The text of a config file; InputError when it cannot be read.
inline std::string read_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path + ": cannot read the config file (missing or unreadable)");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace galt::train::detail

// The checkpoint file of a run in progress (include/galt/train/run_checkpoint.h).
#include "galt/train/run_checkpoint.h"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "train/atomic_file.h"

namespace galt::train {

namespace {

constexpr const char* kMagic = "galt-run-checkpoint\n";

// FNV-1a 64 over the payload: a LibTorch archive is a zip whose reader does
// not check every record, so truncation and damage are caught here, before
// a byte of it is loaded.
std::string checksum(const std::string& bytes) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

nlohmann::json header_json(const CheckpointIdentity& id, int64_t step, const std::string& payload) {
  return {{"format", kCheckpointFormat},
          {"fingerprint", id.fingerprint},
          {"method", id.method},
          {"seed", id.seed},
          {"commit", id.commit},
          {"threads", id.threads},
          {"step", step},
          {"payload_bytes", payload.size()},
          {"payload_fnv1a64", checksum(payload)}};
}

CheckpointRead problem(CheckpointStatus status, const std::string& path, const std::string& why) {
  CheckpointRead r;
  r.status = status;
  r.message = path + ": " + why;
  return r;
}

}  // namespace

void write_checkpoint(const std::string& path, const CheckpointIdentity& id, int64_t step,
                      const std::string& payload) {
  const std::string header = header_json(id, step, payload).dump() + "\n";
  detail::write_file_atomically(path, {kMagic, header, payload});
}

CheckpointRead read_checkpoint(const std::string& path, const CheckpointIdentity& expected) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string magic = kMagic;
  if (bytes.compare(0, magic.size(), magic) != 0)
    return problem(CheckpointStatus::kCorrupt, path, "not a galt run checkpoint");
  const size_t eol = bytes.find('\n', magic.size());
  if (eol == std::string::npos)
    return problem(CheckpointStatus::kCorrupt, path, "truncated in its header");
  nlohmann::json h;
  try {
    h = nlohmann::json::parse(bytes.substr(magic.size(), eol - magic.size()));
  } catch (const nlohmann::json::exception&) {
    return problem(CheckpointStatus::kCorrupt, path, "its header is not valid JSON");
  }
  // Checked before any get<>(): a float where a count belongs is refused,
  // not cast (the run store's lesson, docs/RELIABILITY.md).
  if (!h.is_object())
    return problem(CheckpointStatus::kCorrupt, path, "its header is not a JSON object");
  for (const char* key : {"format", "seed", "step", "payload_bytes"})
    if (!h.contains(key) || !h[key].is_number_integer())
      return problem(CheckpointStatus::kCorrupt, path,
                     std::string("its header has no whole number '") + key + "'");
  for (const char* key : {"fingerprint", "method", "commit", "threads", "payload_fnv1a64"})
    if (!h.contains(key) || !h[key].is_string())
      return problem(CheckpointStatus::kCorrupt, path,
                     std::string("its header has no string '") + key + "'");
  CheckpointRead r;
  try {
    if (h.at("format").get<int>() != kCheckpointFormat)
      return problem(CheckpointStatus::kForeign, path,
                     "format " + h.at("format").dump() + ", this build reads format " +
                         std::to_string(kCheckpointFormat));
    // What differs, in the order a user would look for it.
    const std::pair<const char*, nlohmann::json> want[] = {
        {"method", expected.method},
        {"seed", expected.seed},
        {"fingerprint", expected.fingerprint},
        {"commit", expected.commit},
    };
    for (const auto& [key, value] : want)
      if (h.at(key) != value)
        return problem(
            CheckpointStatus::kForeign, path,
            std::string("written by a run with ") + key + " " + h.at(key).dump() +
                ", this run has " + value.dump() +
                (std::string(key) == "fingerprint" ? " (other protocol settings or method options)"
                                                   : ""));
    r.step = h.at("step").get<int64_t>();
    if (r.step < 1)
      return problem(CheckpointStatus::kCorrupt, path, "its header says step " + h["step"].dump());
    const auto size = h.at("payload_bytes").get<uint64_t>();
    if (bytes.size() - eol - 1 != size)
      return problem(CheckpointStatus::kCorrupt, path,
                     "truncated or overlong: " + std::to_string(bytes.size() - eol - 1) +
                         " payload bytes, the header says " + std::to_string(size));
    r.payload = bytes.substr(eol + 1);
    if (checksum(r.payload) != h.at("payload_fnv1a64").get<std::string>())
      return problem(CheckpointStatus::kCorrupt, path, "the payload's checksum does not match");
    if (const auto threads = h.at("threads").get<std::string>(); threads != expected.threads)
      r.message = path + ": written with threads " + threads + ", continued with " +
                  expected.threads + ": the run will equal neither uninterrupted run bit for bit";
  } catch (const nlohmann::json::exception& e) {
    return problem(
        CheckpointStatus::kCorrupt, path,
        std::string("its header lacks a field or has one of the wrong type (") + e.what() + ")");
  }
  r.status = CheckpointStatus::kUsable;
  return r;
}

}  // namespace galt::train

// Directory of finished (method, seed) runs (include/galt/train/run_store.h).
#include "galt/train/run_store.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "galt/error.h"
#include "galt/train/bench_report.h"
#include "train/atomic_file.h"

namespace galt::train {

namespace fs = std::filesystem;

namespace {

nlohmann::json fingerprint_json(const ProtocolConfig& p, const std::string& method) {
  nlohmann::json j = protocol_json(p);
  j.erase("name");
  j.erase("seeds");
  j.erase("methods");
  j.erase("method_options");
  j["method"] = method;
  auto it = p.method_options.find(method);
  j["options"] =
      it == p.method_options.end() ? nlohmann::json::object() : nlohmann::json(it->second);
  return j;
}

void write_atomically(const fs::path& path, const std::string& text) {
  detail::write_file_atomically(path.string(), {text});
}

}  // namespace

std::string run_fingerprint(const ProtocolConfig& p, const std::string& method) {
  const std::string text = fingerprint_json(p, method).dump();
  uint64_t h = 1469598103934665603ULL;  // FNV-1a 64
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

DirectoryRunStore::DirectoryRunStore(std::string dir, std::string commit)
    : dir_(std::move(dir)), commit_(std::move(commit)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec || !fs::is_directory(dir_))
    throw InputError(dir_ + ": cannot create the runs directory" + (ec ? ": " + ec.message() : ""));
}

std::string DirectoryRunStore::path_of(const ProtocolConfig& p, const std::string& method,
                                       uint64_t seed) const {
  return (fs::path(dir_) / method / run_fingerprint(p, method) /
          ("seed" + std::to_string(seed) + ".json"))
      .string();
}

std::string DirectoryRunStore::checkpoint_path(const ProtocolConfig& p, const std::string& method,
                                               uint64_t seed) const {
  return (fs::path(dir_) / method / run_fingerprint(p, method) /
          ("seed" + std::to_string(seed) + ".checkpoint"))
      .string();
}

void DirectoryRunStore::prepare_checkpoints(const ProtocolConfig& p, const std::string& method) {
  make_run_folder(p, method);
}

void DirectoryRunStore::make_run_folder(const ProtocolConfig& p, const std::string& method) {
  const fs::path folder = fs::path(path_of(p, method, 0)).parent_path();
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) throw InputError(folder.string() + ": cannot create: " + ec.message());
  const fs::path proto = folder / "protocol.json";
  if (!fs::exists(proto)) write_atomically(proto, fingerprint_json(p, method).dump(1) + "\n");
}

std::optional<SeedRun> DirectoryRunStore::load(const ProtocolConfig& p, const std::string& method,
                                               uint64_t seed) {
  const std::string path = path_of(p, method, seed);
  if (!fs::exists(path)) return std::nullopt;
  std::ifstream in(path);
  if (!in) throw InputError(path + ": cannot read the stored run");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path + ": the stored run is not valid JSON (" + e.what() +
                     "); delete it to run it again");
  }
  SeedRun run;
  try {
    run = seed_run_from_json(j);
  } catch (const InputError& e) {
    throw InputError(path + ": " + e.what() + "; delete it to run it again");
  }
  if (run.seed != seed)
    throw InputError(path + ": holds seed " + std::to_string(run.seed) + ", expected " +
                     std::to_string(seed));
  ++loaded_;
  return run;
}

void DirectoryRunStore::save(const ProtocolConfig& p, const std::string& method, SeedRun& run) {
  const fs::path path = path_of(p, method, run.seed);
  make_run_folder(p, method);
  if (run.commit.empty()) run.commit = commit_;
  write_atomically(path, seed_run_json(run, p.scenario).dump() + "\n");
  ++saved_;
}

}  // namespace galt::train

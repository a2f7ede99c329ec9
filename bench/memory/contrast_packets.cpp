// Seeded generator of natural-language contrast packets (contrast_packets.h).
// Content words come from pools split disjointly between train, validation
// and test; the wording templates are shared, so what transfers across the
// split is how a layer is talked about, never the content.
#include "bench/memory/contrast_packets.h"

#include <algorithm>
#include <cctype>
#include <random>
#include <set>

#include "galt/memory/access_policy.h"

namespace galt::memory {
namespace {

const std::vector<std::string> kNames = {
    "Ada",   "Bruno", "Chloe",  "Dmitri", "Elena", "Farid", "Greta",   "Hiro",  "Ines",  "Jonas",
    "Kemal", "Lena",  "Marco",  "Nadia",  "Omar",  "Priya", "Quentin", "Rosa",  "Sven",  "Tara",
    "Umar",  "Vera",  "Wim",    "Xenia",  "Yusuf", "Zora",  "Anton",   "Bea",   "Cyril", "Dana",
    "Emil",  "Fleur", "Goran",  "Hana",   "Ivo",   "Jana",  "Karl",    "Lucia", "Mateo", "Nora",
    "Oskar", "Paula", "Rafael", "Sara",   "Tomas", "Ulla",  "Viktor",  "Wanda", "Yara",  "Zeno",
    "Alma",  "Boris", "Carla",  "Dario",  "Edith", "Felix", "Gina",    "Hugo",  "Irene", "Jakob"};
const std::vector<std::string> kJobs = {
    "baker",        "nurse",     "pilot",     "welder",    "teacher",     "chemist",
    "plumber",      "librarian", "carpenter", "surveyor",  "florist",     "geologist",
    "tailor",       "courier",   "architect", "paramedic", "botanist",    "machinist",
    "economist",    "jeweler",   "locksmith", "ranger",    "brewer",      "cartographer",
    "dentist",      "glazier",   "notary",    "potter",    "sculptor",    "translator",
    "veterinarian", "weaver",    "zoologist", "barista",   "electrician", "farmer"};
const std::vector<std::string> kCities = {
    "Lisbon", "Oslo",     "Quito",  "Nairobi", "Hanoi",  "Krakow",  "Dublin",   "Lima",
    "Porto",  "Tallinn",  "Accra",  "Bergen",  "Cusco",  "Daegu",   "Erfurt",   "Fresno",
    "Ghent",  "Hobart",   "Izmir",  "Jaipur",  "Kyoto",  "Leeds",   "Malmo",    "Nantes",
    "Odessa", "Perth",    "Recife", "Sapporo", "Tucson", "Utrecht", "Valencia", "Windhoek",
    "Zagreb", "Arequipa", "Bilbao", "Calgary"};
const std::vector<std::string> kAdjectives = {
    "spicy",    "vintage",  "hourly",   "nightly",     "frozen",    "bitter",
    "wooden",   "digital",  "seasonal", "handwritten", "encrypted", "weekly",
    "imported", "recycled", "printed",  "portable",    "organic",   "shared",
    "legacy",   "backup",   "vegan",    "quarterly",   "vocal",     "striped",
    "metric",   "coastal",  "archived", "ceramic",     "wireless",  "herbal",
    "annual",   "folded",   "scanned",  "rented",      "salted",    "woven"};
const std::vector<std::string> kNouns = {"recipes",
                                         "invoices",
                                         "playlists",
                                         "passwords",
                                         "blueprints",
                                         "medications",
                                         "receipts",
                                         "flashcards",
                                         "spreadsheets",
                                         "photographs",
                                         "contracts",
                                         "timetables",
                                         "maps",
                                         "sketches",
                                         "budgets",
                                         "lesson plans",
                                         "allergy notes",
                                         "lab results",
                                         "shipping labels",
                                         "poems",
                                         "workout logs",
                                         "seed catalogs",
                                         "tax forms",
                                         "meeting notes",
                                         "bird sightings",
                                         "chess openings",
                                         "knitting patterns",
                                         "garden layouts",
                                         "tide tables",
                                         "fuel records",
                                         "guitar chords",
                                         "travel routes",
                                         "wine labels",
                                         "insurance claims",
                                         "calibration sheets",
                                         "shift rosters"};

// Each layer is named by the same phrases whether the memory rests on it or
// a violation hits it, and the frames around those phrases are shared by all
// layers: only word order says which layer plays which role, so a bag of
// words cannot bind them (DESIGN §6 layers).
const std::vector<std::vector<std::string>> kLayerPhrase = {
    {"the hard safety rule", "the admissibility check", "the basic safety screen"},
    {"the consent rule", "the permission given", "the harm check"},
    {"the workflow rule", "the project procedure", "the task checklist"},
    {"the preference rule", "the stated preference", "the personal taste"}};

// The memory rests on layer m ({L}).
const std::vector<std::string> kCandidate = {
    "the memory about the {T} rests on {L}.", "keeping the {T} was justified by {L}.",
    "{N} wants the {T} remembered under {L}.", "the note on the {T} depends on {L}."};
// A violation at layer v ({L}) was raised after consolidation.
const std::vector<std::string> kViolation = {
    "later {L} behind the {U} was found broken.",
    "afterwards a violation of {L} involving the {U} was reported.",
    "then an audit showed that {L} had been breached over the {U}."};

const std::vector<std::string> kIntro = {"{N}, a {J} from {C}, was talking about {T}.",
                                         "{N} works as a {J} in {C} and brought up {T}.",
                                         "in {C}, the {J} {N} raised the topic of {T}."};
const std::vector<std::string> kPositiveClose = {"nothing else about it has come up since.",
                                                 "no later issue was reported.",
                                                 "it was stored and has stayed in good standing."};
const std::vector<std::string> kNoWrite = {
    "however, {N} said it was only for this one conversation and must not be written down.",
    "but {N} asked that it be forgotten after this session.",
    "yet {N} called it a passing remark that should not be kept."};
const std::vector<std::string> kStored = {"it was stored.", "the memory was consolidated.",
                                          "it went into memory."};
const std::vector<std::string> kSoft = {"storing it slightly bends {R} but breaks nothing serious.",
                                        "keeping it runs a little against {R}, a minor debt."};
const std::vector<std::string> kAmbiguous = {"it is unclear whether {R} allows keeping it.",
                                             "nobody can tell yet if {R} permits storing it."};
const std::vector<std::string> kHard = {"keeping it would break {R}.",
                                        "storing it is forbidden by {R}."};

std::string fill(std::string t, const std::string& key, const std::string& value) {
  for (std::size_t p = t.find(key); p != std::string::npos; p = t.find(key, p + value.size())) {
    t.replace(p, key.size(), value);
  }
  return t;
}

std::string capitalize_sentences(std::string s) {
  bool start = true;
  for (char& c : s) {
    if (start && std::isalpha(static_cast<unsigned char>(c))) {
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      start = false;
    } else if (c == '.') {
      start = true;
    }
  }
  return s;
}

struct Pools {
  std::vector<std::string> names, jobs, cities, adjectives, nouns;
};

// Split each pool into three disjoint parts (train, validation, test).
std::vector<Pools> split_pools(std::mt19937& rng) {
  auto part = [&](std::vector<std::string> v, std::vector<std::vector<std::string>*> outs) {
    std::shuffle(v.begin(), v.end(), rng);
    const std::size_t n = v.size();
    const std::size_t a = n * 6 / 10, b = n * 75 / 100;
    outs[0]->assign(v.begin(), v.begin() + a);
    outs[1]->assign(v.begin() + a, v.begin() + b);
    outs[2]->assign(v.begin() + b, v.end());
  };
  std::vector<Pools> p(3);
  part(kNames, {&p[0].names, &p[1].names, &p[2].names});
  part(kJobs, {&p[0].jobs, &p[1].jobs, &p[2].jobs});
  part(kCities, {&p[0].cities, &p[1].cities, &p[2].cities});
  part(kAdjectives, {&p[0].adjectives, &p[1].adjectives, &p[2].adjectives});
  part(kNouns, {&p[0].nouns, &p[1].nouns, &p[2].nouns});
  return p;
}

template <typename T>
const T& pick(const std::vector<T>& v, std::mt19937& rng) {
  return v[rng() % v.size()];
}

std::vector<ContrastRow> make_split(const Pools& pools, int packets, const std::string& prefix,
                                    bool drop_heldout, std::mt19937& rng) {
  const AccessPolicy rule(AccessPolicyKind::kHierarchical);
  std::vector<ContrastRow> rows;
  for (int p = 0; p < packets; ++p) {
    const int m = p % kPacketLayers;
    const std::string id = prefix + std::to_string(p);
    const std::string name = pick(pools.names, rng);
    const std::string thing = pick(pools.adjectives, rng) + " " + pick(pools.nouns, rng);
    const std::string other = pick(pools.adjectives, rng) + " " + pick(pools.nouns, rng);
    auto sub = [&](std::string t) {
      t = fill(t, "{N}", name);
      t = fill(t, "{T}", thing);
      t = fill(t, "{U}", other);
      t = fill(t, "{J}", pick(pools.jobs, rng));
      t = fill(t, "{C}", pick(pools.cities, rng));
      return t;
    };
    auto layer = [&](int k) { return pick(kLayerPhrase[k], rng); };
    auto candidate = [&] {
      return sub(pick(kIntro, rng)) + " " + sub(fill(pick(kCandidate, rng), "{L}", layer(m)));
    };
    auto add = [&](std::string text, const std::string& kind, int v, Action a, MemoryOutcome o,
                   ResidualKind r) {
      ContrastRow row;
      row.text = capitalize_sentences(text);
      row.packet = id;
      row.kind = kind;
      row.memory_layer = m;
      row.violation_layer = v;
      row.action = a;
      row.outcome = o;
      row.residual = r;
      const LayerMask active = v < kPacketLayers ? (LayerMask{1} << v) : 0;
      row.access = o == MemoryOutcome::kConsolidate && rule.accessible(m, active);
      row.regime = regime_of(m, v);
      row.heldout = v < kPacketLayers && heldout_pair(m, v);
      if (!(drop_heldout && row.heldout)) rows.push_back(row);
    };
    const int none = kPacketLayers;
    add(candidate() + " " + pick(kPositiveClose, rng), "positive", none, Action::kAccept,
        MemoryOutcome::kConsolidate, ResidualKind::kNone);
    add(candidate() + " " + sub(pick(kNoWrite, rng)), "no_write", none, Action::kReject,
        MemoryOutcome::kNotConsolidated, ResidualKind::kNone);
    // One adjudication conflict per packet, its kind and layer varying.
    const int kind = static_cast<int>(rng() % 3);
    if (kind == 0) {
      const int k = 2 + static_cast<int>(rng() % 2);  // soft layers
      add(candidate() + " " + fill(pick(kSoft, rng), "{R}", layer(k)), "soft_debt", none,
          Action::kAcceptWithResidual, MemoryOutcome::kConsolidate, ResidualKind::kSoftRuleDebt);
    } else if (kind == 1) {
      const int k = static_cast<int>(rng() % kPacketLayers);
      add(candidate() + " " + fill(pick(kAmbiguous, rng), "{R}", layer(k)), "ambiguous", none,
          Action::kReject, MemoryOutcome::kNotConsolidated, ResidualKind::kBoundaryAmbiguity);
    } else {
      const int k = static_cast<int>(rng() % 2);  // hard layers
      add(candidate() + " " + fill(pick(kHard, rng), "{R}", layer(k)), "hard_conflict", none,
          Action::kReject, MemoryOutcome::kNotConsolidated, ResidualKind::kHardViolation);
    }
    // The consolidated memory, then a violation at every layer in turn.
    for (int v = 0; v < kPacketLayers; ++v) {
      add(candidate() + " " + pick(kStored, rng) + " " +
              sub(fill(pick(kViolation, rng), "{L}", layer(v))),
          "violation", v, Action::kAccept, MemoryOutcome::kConsolidate, ResidualKind::kNone);
    }
  }
  return rows;
}

}  // namespace

bool heldout_pair(int memory_layer, int violation_layer) {
  return (memory_layer + 3 * violation_layer) % 5 == 2;
}

std::string regime_of(int memory_layer, int violation_layer, int layers) {
  if (violation_layer >= layers || violation_layer < 0) return "no_violation";
  return violation_layer <= memory_layer ? "bottom_up" : "top_down";
}

ContrastSplit generate_contrast_packets(const ContrastPacketOptions& options, unsigned seed) {
  std::mt19937 rng(seed);
  const std::vector<Pools> pools = split_pools(rng);
  ContrastSplit s;
  s.train = make_split(pools[0], options.train_packets, "train-", true, rng);
  s.validation = make_split(pools[1], options.validation_packets, "val-", true, rng);
  s.test = make_split(pools[2], options.test_packets, "test-", false, rng);
  std::shuffle(s.train.begin(), s.train.end(), rng);
  return s;
}

std::vector<std::string> tokenize(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c)) {
      cur.push_back(static_cast<char>(std::tolower(c)));
    } else if (!cur.empty()) {
      out.push_back(cur);
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

namespace {
std::set<std::string> shingles(const std::string& t) {
  const auto w = tokenize(t);
  std::set<std::string> s;
  if (w.size() < 3) {
    std::string all;
    for (const auto& x : w) all += x + " ";
    s.insert(all);
    return s;
  }
  for (std::size_t i = 0; i + 2 < w.size(); ++i) s.insert(w[i] + " " + w[i + 1] + " " + w[i + 2]);
  return s;
}

double jaccard(const std::set<std::string>& sa, const std::set<std::string>& sb) {
  std::size_t inter = 0;
  for (const auto& x : sa) inter += sb.count(x);
  const std::size_t uni = sa.size() + sb.size() - inter;
  return uni == 0 ? 1.0 : static_cast<double>(inter) / static_cast<double>(uni);
}
}  // namespace

double near_duplicate_similarity(const std::string& a, const std::string& b) {
  return jaccard(shingles(a), shingles(b));
}

CrossSimilarity cross_similarity(const std::vector<ContrastRow>& a,
                                 const std::vector<ContrastRow>& b) {
  std::vector<std::set<std::string>> sb;
  for (const auto& r : b) sb.push_back(shingles(r.text));
  CrossSimilarity out;
  for (const auto& x : a) {
    const auto sx = shingles(x.text);
    for (std::size_t j = 0; j < b.size(); ++j) {
      if (x.text == b[j].text) ++out.exact_duplicates;
      out.max_similarity = std::max(out.max_similarity, jaccard(sx, sb[j]));
    }
  }
  return out;
}

}  // namespace galt::memory

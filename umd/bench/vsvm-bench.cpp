// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// vsvm-bench: the benchmarks of docs/benchmarks.rst (B1-B9), run in one
// guest boot as root. Every measurement is repeated --reps times; within a
// repetition vsvm and its peer alternate which runs first (vsvm on even
// repetitions, the peer on odd ones), so that neither always inherits the
// page allocator, caches and host state the other left. A figure is the
// median [min, max] of its repetitions; a comparison is the ratio of the two
// sides' medians, with each side's median [min, max] beside it. The figures
// of the report before issue 15 are kept, computed as they were then, in
// their own section. Writes results.json, results.md and the plot data
// b1.dat and b6.dat to --out.
//
// Needs: vsvm loaded (with a job_timeout_ms long enough for 256 MiB jobs),
// test_hmm loaded for the dmirror side of B1, write access to sysfs (THP,
// the event_policy, prefetch_threshold and aging tunables) and
// /proc/self/clear_refs. B9 also needs /dev/zram0 with a swap signature
// (it turns it on as swap for itself and off after, unless it was on) and
// memory cgroups (it mounts cgroup2 on /sys/fs/cgroup if nothing is there);
// without zram it is skipped with a message.

#include <algorithm>
#include <type_traits>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/sysinfo.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "hmm_dmirror.h"
#include "vsvm/runtime.h"

using json = nlohmann::json;

namespace {

constexpr std::size_t kPage = 4096;
constexpr std::size_t kHuge = 2u << 20;
constexpr std::size_t kMiB = 1u << 20;
// Pages per copy job and per dmirror read: both devices get work in the
// same 16 MiB units.
constexpr std::size_t kBatchPages = DRM_VSVM_EXEC_MAX_CMDS;
constexpr std::size_t kBatchBytes = kBatchPages * kPage;
// Bytes one device "touch" of a page reads (B8): enough to take the fault,
// little enough that the copy does not hide the fault path's time.
constexpr std::size_t kTouchBytes = 8;
// The CHECKSUM command's hash (uapi/vsvm_drm.h), to check the device's result.
constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ull;
constexpr uint64_t kFnvPrime = 0x100000001b3ull;
constexpr uint64_t kFillPattern = 0x0123456789abcdefull;
const char* const kThpEnabled = "/sys/kernel/mm/transparent_hugepage/enabled";

bool tryWriteFile(const std::string& path, const std::string& value)
{
    const int fd = ::open(path.c_str(), O_WRONLY);
    if (fd < 0)
        return false;
    const bool ok = ::write(fd, value.data(), value.size()) == static_cast<ssize_t>(value.size());
    ::close(fd);
    return ok;
}

// The sysfs settings the benchmark changed and must put back, innermost
// last: die() restores them too, since std::exit() runs no destructors.
std::vector<std::pair<std::string, std::string>>& changedSettings()
{
    static std::vector<std::pair<std::string, std::string>> settings;
    return settings;
}

void restoreSettings()
{
    auto& settings = changedSettings();
    for (auto it = settings.rbegin(); it != settings.rend(); ++it)
        if (!tryWriteFile(it->first, it->second))
            std::fprintf(stderr, "vsvm-bench: could not restore %s to '%s'\n", it->first.c_str(),
                         it->second.c_str());
    settings.clear();
}

// What the benchmark turned on besides sysfs settings (B9's swap and memory
// cgroups) and must undo, innermost last: a guard pushes its undo here and
// pops it when it undoes itself, so that die() undoes what is left.
std::vector<std::function<void()>>& pendingCleanups()
{
    static std::vector<std::function<void()>> cleanups;
    return cleanups;
}

void runCleanups()
{
    auto& cleanups = pendingCleanups();
    while (!cleanups.empty()) {
        const auto undo = std::move(cleanups.back());
        cleanups.pop_back();
        undo();
    }
}

// The benchmark's own process: a child forked for a measurement (B9) that
// dies leaves the settings and cleanups to it.
const pid_t kBenchPid = ::getpid();

template <typename... Args>
[[noreturn]] void die(fmt::format_string<Args...> format, Args&&... args)
{
    std::fprintf(stderr, "vsvm-bench: %s\n", fmt::format(format, std::forward<Args>(args)...).c_str());
    if (::getpid() != kBenchPid)
        ::_exit(1);
    restoreSettings();
    runCleanups();
    std::exit(1);
}

template <typename... Args>
void progress(fmt::format_string<Args...> format, Args&&... args)
{
    std::fprintf(stderr, "[bench] %s\n", fmt::format(format, std::forward<Args>(args)...).c_str());
}

template <typename T>
T check(vsvm::Result<T> result, std::string_view what)
{
    if (!result)
        die("{}: {}", what, result.status().message());
    return std::move(result).value();
}

void check(const vsvm::Status& status, std::string_view what)
{
    if (!status.ok())
        die("{}: {}", what, status.message());
}

double nowUs()
{
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

template <typename F>
double timeUs(F&& body)
{
    const double start = nowUs();
    body();
    return nowUs() - start;
}

void writeText(const std::string& path, const std::string& text)
{
    std::ofstream out(path);
    out << text;
    if (!out)
        die("cannot write {}", path);
}

std::string readFile(const std::string& path)
{
    std::ifstream in(path);
    if (!in)
        die("cannot read {}", path);
    std::stringstream text;
    text << in.rdbuf();
    std::string value = text.str();
    while (!value.empty() && (value.back() == '\n' || value.back() == ' '))
        value.pop_back();
    return value;
}

void writeFile(const std::string& path, const std::string& value)
{
    if (!tryWriteFile(path, value))
        die("cannot write '{}' to {}: {}", value, path, std::strerror(errno));
}

// The selected word of a sysfs choice file such as "always [madvise] never".
std::string selected(const std::string& choices)
{
    const auto open = choices.find('[');
    const auto close = choices.find(']');
    if (open == std::string::npos || close == std::string::npos)
        return choices;
    return choices.substr(open + 1, close - open - 1);
}

// A sysfs setting changed for the life of the object (and restored by die()).
class ScopedSetting {
public:
    ScopedSetting(std::string path, const std::string& value)
        : path_(std::move(path)), old_(selected(readFile(path_)))
    {
        changedSettings().emplace_back(path_, old_);
        writeFile(path_, value);
    }
    ~ScopedSetting()
    {
        writeFile(path_, old_);
        changedSettings().pop_back();
    }
    ScopedSetting(const ScopedSetting&) = delete;
    ScopedSetting& operator=(const ScopedSetting&) = delete;

private:
    std::string path_;
    std::string old_;
};

std::string thpTag(const std::string& thp)
{
    return thp == "never" ? "THP off" : "THP on";
}

// The sides of one repetition, in the given order on even repetitions and
// reversed on odd ones: every pair of sides swaps who runs first.
void alternate(unsigned rep, const std::vector<std::function<void()>>& sides)
{
    if (rep % 2 == 0)
        for (const auto& side : sides)
            side();
    else
        for (auto it = sides.rbegin(); it != sides.rend(); ++it)
            (*it)();
}

struct Stats {
    double median = 0;
    double min = 0;
    double max = 0;
    std::vector<double> samples;
};

Stats summarise(std::vector<double> samples)
{
    Stats s;
    s.samples = samples;
    if (samples.empty())
        return s;
    std::sort(samples.begin(), samples.end());
    const std::size_t n = samples.size();
    s.median = n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
    s.min = samples.front();
    s.max = samples.back();
    return s;
}

// Element-wise a - b, for differences taken within a repetition.
std::vector<double> minus(const std::vector<double>& a, const std::vector<double>& b)
{
    std::vector<double> d;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); i++)
        d.push_back(a[i] - b[i]);
    return d;
}

// Element-wise a / b: the old definitions' ratios, taken within a repetition.
std::vector<double> over(const std::vector<double>& a, const std::vector<double>& b)
{
    std::vector<double> r;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); i++)
        r.push_back(b[i] != 0 ? a[i] / b[i] : std::nan(""));
    return r;
}

struct Goal {
    std::string op; // "<=" or ">="
    double value;
    bool met(double x) const { return op == "<=" ? x <= value : x >= value; }
    std::string text() const { return fmt::format("{} {}", op == "<=" ? "≤" : "≥", value); }
};

std::string number(double v)
{
    if (std::isnan(v))
        return "n/a";
    if (v != 0 && (std::abs(v) >= 1e6 || std::abs(v) < 1e-3))
        return fmt::format("{:.3g}", v);
    if (std::abs(v) >= 100)
        return fmt::format("{:.0f}", v);
    return fmt::format("{:.3g}", v);
}

json statsJson(const Stats& s)
{
    return {{"median", s.median}, {"min", s.min}, {"max", s.max}, {"samples", s.samples}};
}

// One measured side of a derived figure: "vsvm", "dmirror", "FAULT_NS"...
struct Side {
    std::string label;
    Stats stats;
};

// Which table a figure goes to: the definitions of issue 15, or those of
// the report before it (kept for comparison with docs/benchmarks-latest.md).
enum class Section { kNew, kOld };

struct Figure {
    std::string bench;
    std::string name;
    std::string unit;
    double value = 0;         // the median, or the value derived from the sides' medians
    Stats stats;              // a measured figure's repetitions
    std::string formula;      // a derived figure: how value comes from the sides
    std::vector<Side> sides;  // a derived figure's sides
    std::optional<Goal> goal; // an old-definition figure's goal is the old goal
    Section section = Section::kNew;
    json params;

    bool derived() const { return !sides.empty(); }
    bool met() const { return goal && !std::isnan(value) && goal->met(value); }

    // "[min, max]" of a measured figure; "vsvm 3.1 [2.9, 4] / dmirror ..." of a derived one.
    std::string spread() const
    {
        if (!derived())
            return fmt::format("[{}, {}]", number(stats.min), number(stats.max));
        std::string t;
        for (const auto& s : sides) {
            if (!t.empty())
                t += " / ";
            t += fmt::format("{} {} [{}, {}]", s.label, number(s.stats.median), number(s.stats.min),
                             number(s.stats.max));
        }
        return t;
    }
};

// Every figure, in the order measured: the JSON and the tables are made from it.
class Report {
public:
    // A measured figure: the median [min, max] of its repetitions.
    void add(const std::string& bench, const std::string& name, const std::string& unit, const Stats& s,
             std::optional<Goal> goal = std::nullopt, json params = json::object(),
             Section section = Section::kNew)
    {
        Figure f{bench, name, unit, s.median, s, "", {}, goal, section, std::move(params)};
        push(std::move(f));
    }

    // The ratio of the medians of two sides measured in the same repetitions.
    // denominatorAtLeast: a floor for b's median (B2: precise may take no fault at all).
    void ratio(const std::string& bench, const std::string& name, const Side& a, const Side& b,
               std::optional<Goal> goal = std::nullopt, json params = json::object(), double denominatorAtLeast = 0,
               Section section = Section::kNew)
    {
        const double den = std::max(b.stats.median, denominatorAtLeast);
        const double value = den != 0 ? a.stats.median / den : std::nan("");
        push({bench, name, "×", value, {}, "a / b", {a, b}, goal, section, std::move(params)});
    }

    // A share 1 - a / b of the medians (B7: the driver's share of fault time).
    void share(const std::string& bench, const std::string& name, const Side& a, const Side& b,
               std::optional<Goal> goal = std::nullopt, json params = json::object())
    {
        const double value = b.stats.median != 0 ? 1 - a.stats.median / b.stats.median : std::nan("");
        push({bench, name, "share", value, {}, "1 - a / b", {a, b}, goal, Section::kNew, std::move(params)});
    }

    const std::vector<Figure>& figures() const { return figures_; }

    json toJson() const
    {
        json all = json::array();
        for (const auto& f : figures_) {
            json j = {{"bench", f.bench}, {"name", f.name}, {"unit", f.unit},
                      {"section", f.section == Section::kNew ? "issue 15" : "old definition"},
                      {"params", f.params}};
            // The value as "median" too, so that readers of the old format find it.
            j["median"] = f.value;
            if (f.derived()) {
                j["formula"] = f.formula;
                j["value"] = f.value;
                json sides = json::array();
                for (const auto& s : f.sides) {
                    json side = statsJson(s.stats);
                    side["label"] = s.label;
                    sides.push_back(std::move(side));
                }
                j["sides"] = std::move(sides);
            } else {
                j.update(statsJson(f.stats));
            }
            if (f.goal) {
                j[f.section == Section::kNew ? "goal" : "old_goal"] = f.goal->text();
                j[f.section == Section::kNew ? "met" : "old_met"] = f.met();
            }
            all.push_back(std::move(j));
        }
        return all;
    }

private:
    void push(Figure f)
    {
        progress("{} {}: {} {} {}{}", f.bench, f.name, number(f.value), f.unit, f.spread(),
                 f.goal ? fmt::format(" {}goal {} {}", f.section == Section::kOld ? "old " : "", f.goal->text(),
                                      f.met() ? "met" : "MISSED")
                        : "");
        figures_.push_back(std::move(f));
    }

    std::vector<Figure> figures_;
};

struct Delta {
    vsvm::VmCounters before;
    vsvm::VmCounters after;
    uint64_t faults() const { return after.faults - before.faults; }
    uint64_t faultNs() const { return after.faultNs - before.faultNs; }
    uint64_t hmmNs() const { return after.hmmNs - before.hmmNs; }
    uint64_t mapped2M() const { return after.mapped2M - before.mapped2M; }
    uint64_t prefetched() const { return after.prefetched - before.prefetched; }
    uint64_t prefetchUsed() const { return after.prefetchUsed - before.prefetchUsed; }
};

vsvm::VmCounters counters(const vsvm::Vm& vm)
{
    return check(vm.counters(), "VM counters");
}

// Page-aligned (2 MiB-aligned, so that THP can back it) fresh malloc memory.
char* freshMalloc(std::size_t bytes)
{
    void* p = std::aligned_alloc(kHuge, bytes);
    if (!p)
        die("aligned_alloc({}) failed", bytes);
    return static_cast<char*>(p);
}

char* mapRegion(std::size_t bytes)
{
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        die("mmap({}) failed: {}", bytes, std::strerror(errno));
    return static_cast<char*>(p);
}

// Keeps the compiler from dropping stores to memory that is freed next
// (a memset before free() is a dead store to it).
void escape(const void* p)
{
    asm volatile("" : : "r"(p) : "memory");
}

void waitAll(std::vector<vsvm::Fence>& fences, std::string_view what)
{
    for (auto& fence : fences) {
        auto result = check(fence.wait(), what);
        if (!result.ok())
            die("{}: job failed: {}", what, result.describe());
    }
    fences.clear();
}

// The device reads every page of [base, base + bytes): one copy of
// perPage bytes from the start of each page into the one (mirrored) sink
// page, 4096 pages per job. perPage = 4096 reads every byte; kTouchBytes
// only touches each page.
void deviceReadPages(const vsvm::Vm& vm, const char* base, std::size_t bytes, char* sink,
                     std::size_t perPage = kPage)
{
    vsvm::CopyQueue queue(vm);
    std::vector<vsvm::CopyCommand> commands;
    commands.reserve(kBatchPages);
    std::vector<vsvm::Fence> fences;
    for (std::size_t off = 0; off < bytes; off += kPage) {
        commands.push_back(vsvm::CopyCommand::copy(sink, base + off, std::min(perPage, bytes - off)));
        if (commands.size() == kBatchPages || off + kPage >= bytes) {
            fences.push_back(check(queue.submit(commands), "copy job"));
            commands.clear();
        }
    }
    waitAll(fences, "device read");
}

uint64_t fnv1aOfZeros(std::size_t bytes)
{
    static std::map<std::size_t, uint64_t> cache;
    auto [it, fresh] = cache.try_emplace(bytes, kFnvOffset);
    if (fresh)
        for (std::size_t i = 0; i < bytes; i++)
            it->second *= kFnvPrime; // (h ^ 0) * prime
    return it->second;
}

// The device reads every byte of [base, base + bytes) with CHECKSUM
// commands of 16 MiB, one job, the hashes to 8-byte slots of the sink page.
void deviceChecksum(const vsvm::Vm& vm, const char* base, std::size_t bytes, char* sink)
{
    const std::size_t chunks = (bytes + kBatchBytes - 1) / kBatchBytes;
    if (chunks > kPage / sizeof(uint64_t))
        die("B1b: {} bytes need {} checksum results, more than one sink page holds", bytes, chunks);
    auto* results = reinterpret_cast<uint64_t*>(sink);
    std::vector<vsvm::CopyCommand> commands;
    for (std::size_t i = 0; i < chunks; i++)
        commands.push_back(vsvm::CopyCommand::checksum(base + i * kBatchBytes,
                                                       std::min(kBatchBytes, bytes - i * kBatchBytes), &results[i]));
    vsvm::CopyQueue queue(vm);
    std::vector<vsvm::Fence> fences;
    fences.push_back(check(queue.submit(commands), "checksum job"));
    waitAll(fences, "device checksum");
}

// deviceChecksum() of fresh memory read every byte: each hash is that of
// as many zero bytes.
void checkChecksumsOfZeros(const char* sink, std::size_t bytes)
{
    for (std::size_t i = 0; i * kBatchBytes < bytes; i++) {
        uint64_t result;
        std::memcpy(&result, sink + i * sizeof(uint64_t), sizeof(result));
        const uint64_t expected = fnv1aOfZeros(std::min(kBatchBytes, bytes - i * kBatchBytes));
        if (result != expected)
            die("B1b: checksum of fresh chunk {} is {:#x}, expected {:#x}", i, result, expected);
    }
}

// The device writes every byte of [base, base + bytes) with FILL commands
// of 16 MiB, one job.
void deviceFill(const vsvm::Vm& vm, char* base, std::size_t bytes)
{
    std::vector<vsvm::CopyCommand> commands;
    for (std::size_t off = 0; off < bytes; off += kBatchBytes)
        commands.push_back(vsvm::CopyCommand::fill(base + off, kFillPattern, std::min(kBatchBytes, bytes - off)));
    vsvm::CopyQueue queue(vm);
    std::vector<vsvm::Fence> fences;
    fences.push_back(check(queue.submit(commands), "fill job"));
    waitAll(fences, "device fill");
}

// deviceFill() wrote every page: byte i is byte (i % 8) of the
// little-endian pattern, so every page starts with its byte 0.
void checkFill(const char* base, std::size_t bytes)
{
    for (std::size_t off = 0; off < bytes; off += kPage)
        if (static_cast<unsigned char>(base[off]) != (kFillPattern & 0xff))
            die("B1b: the device fill left byte {:#x} at offset {}", static_cast<unsigned char>(base[off]), off);
}

// test_hmm's dmirror device reads the same pages through HMM_DMIRROR_READ,
// which faults them in and copies them to a bounce buffer, in 16 MiB calls.
// Returns its "faults": the calls' retries after a missing page, not
// hmm_range_fault() calls (docs/benchmarks.rst, "What each side does").
uint64_t dmirrorRead(int fd, const char* base, std::size_t bytes, char* bounce)
{
    uint64_t faults = 0;
    for (std::size_t off = 0; off < bytes; off += kBatchBytes) {
        const std::size_t chunk = std::min(kBatchBytes, bytes - off);
        vsvm::bench::HmmDmirrorCmd cmd{};
        cmd.addr = reinterpret_cast<uintptr_t>(base + off);
        cmd.ptr = reinterpret_cast<uintptr_t>(bounce);
        cmd.npages = chunk / kPage;
        if (::ioctl(fd, vsvm::bench::kHmmDmirrorRead, &cmd) != 0)
            die("HMM_DMIRROR_READ: {}", std::strerror(errno));
        if (cmd.cpages != cmd.npages)
            die("HMM_DMIRROR_READ copied {} of {} pages", cmd.cpages, cmd.npages);
        faults += cmd.faults;
    }
    return faults;
}

// The CPU reads one byte per page: its page faults, little else.
void cpuReadPages(const char* base, std::size_t bytes)
{
    const volatile char* p = base;
    char sum = 0;
    for (std::size_t off = 0; off < bytes; off += kPage)
        sum = static_cast<char>(sum + p[off]);
    asm volatile("" : : "r"(sum));
}

// The CPU reads every byte: a sum of 64-bit words, one scalar load and add
// per word (the empty asm keeps the compiler from vectorising the loop or
// dropping it).
uint64_t cpuSumWords(const char* base, std::size_t bytes)
{
    uint64_t sum = 0;
    for (std::size_t off = 0; off + sizeof(uint64_t) <= bytes; off += sizeof(uint64_t)) {
        uint64_t word;
        std::memcpy(&word, base + off, sizeof(word));
        sum += word;
        asm volatile("" : "+r"(sum));
    }
    return sum;
}

// The CPU writes one byte per page: each page is allocated, zeroed and
// dirty, as after a memset, at a fraction of its cost under TCG.
void cpuTouchWrite(char* base, std::size_t bytes)
{
    volatile char* p = base;
    for (std::size_t off = 0; off < bytes; off += kPage)
        p[off] = 1;
}

// B9's swap device: tools/vm/guest-init.sh makes zram0 a 1 GiB swap device,
// and tools/vm/bench-guest.sh turns swap off for the other benchmarks.
const char* const kZram = "/dev/zram0";
const char* const kCgroupRoot = "/sys/fs/cgroup";
const char* const kB9Cgroup = "/sys/fs/cgroup/vsvm-bench-b9";

bool zramSwapActive()
{
    std::ifstream swaps("/proc/swaps");
    for (std::string line; std::getline(swaps, line);) {
        std::istringstream fields(line);
        std::string name;
        if (fields >> name && name == kZram)
            return true;
    }
    return false;
}

bool hasWord(const std::string& text, const std::string& word)
{
    std::istringstream words(text);
    for (std::string w; words >> w;)
        if (w == word)
            return true;
    return false;
}

// A system state B9 needs for the life of the object (and undoes after):
// ready() false, and why() the reason, when it cannot be had. Not copyable:
// the undo runs once.
class Precondition {
public:
    Precondition() = default;
    Precondition(const Precondition&) = delete;
    Precondition& operator=(const Precondition&) = delete;

    bool ready() const { return ready_; }
    const std::string& why() const { return why_; }

protected:
    bool ready_ = false;
    std::string why_;
};

// zram0 as swap for the life of the object, unless it already was; ready()
// false, and why() the reason, when it cannot be.
class ZramSwap : public Precondition {
public:
    ZramSwap()
    {
        if (zramSwapActive()) {
            ready_ = true;
            return;
        }
        if (::access(kZram, F_OK) != 0) {
            why_ = fmt::format("there is no {} (a kernel without zram)", kZram);
            return;
        }
        if (::swapon(kZram, 0) != 0) {
            const int err = errno;
            why_ = fmt::format("swapon {} failed: {}{}", kZram, std::strerror(err),
                               err == EINVAL ? " (no swap signature: mkswap it, as tools/vm/guest-init.sh does)" : "");
            return;
        }
        ready_ = ours_ = true;
        pendingCleanups().push_back(swapOff);
    }
    ~ZramSwap()
    {
        if (!ours_)
            return;
        pendingCleanups().pop_back();
        swapOff();
    }
private:
    static void swapOff()
    {
        if (::swapoff(kZram) != 0)
            std::fprintf(stderr, "vsvm-bench: swapoff %s: %s\n", kZram, std::strerror(errno));
    }

    bool ours_ = false;
};

// cgroup v2 on /sys/fs/cgroup with the memory controller enabled for the
// root's children, for the life of the object: mounted if nothing is (the
// test guest mounts no cgroup file system), memory enabled if it is not.
class MemoryCgroupRoot : public Precondition {
public:
    MemoryCgroupRoot()
    {
        const std::string root = kCgroupRoot;
        if (::access((root + "/cgroup.controllers").c_str(), F_OK) != 0) {
            if (::mount("cgroup2", kCgroupRoot, "cgroup2", 0, nullptr) != 0) {
                why_ = fmt::format("mount cgroup2 on {}: {}", root, std::strerror(errno));
                return;
            }
            mounted_ = true;
            pendingCleanups().push_back(unmount);
        }
        if (!hasWord(readFile(root + "/cgroup.controllers"), "memory")) {
            why_ = "the kernel has no memory cgroup controller (CONFIG_MEMCG)";
            return;
        }
        if (!hasWord(readFile(root + "/cgroup.subtree_control"), "memory")) {
            if (!tryWriteFile(root + "/cgroup.subtree_control", "+memory")) {
                why_ = fmt::format("cannot enable memory in {}/cgroup.subtree_control: {}", root,
                                   std::strerror(errno));
                return;
            }
            enabled_ = true;
            pendingCleanups().push_back(disableMemory);
        }
        ready_ = true;
    }
    ~MemoryCgroupRoot()
    {
        if (enabled_) {
            pendingCleanups().pop_back();
            disableMemory();
        }
        if (mounted_) {
            pendingCleanups().pop_back();
            unmount();
        }
    }
private:
    static void disableMemory()
    {
        if (!tryWriteFile(std::string(kCgroupRoot) + "/cgroup.subtree_control", "-memory"))
            std::fprintf(stderr, "vsvm-bench: could not disable memory in %s/cgroup.subtree_control: %s\n",
                         kCgroupRoot, std::strerror(errno));
    }
    static void unmount()
    {
        if (::umount(kCgroupRoot) != 0)
            std::fprintf(stderr, "vsvm-bench: umount %s: %s\n", kCgroupRoot, std::strerror(errno));
    }

    bool mounted_ = false;
    bool enabled_ = false;
};

// A memory cgroup for the life of the object, which a B9 side's child joins:
// the cgroup's limit squeezes that child alone, and it starts with nothing
// charged by the side before.
class MemoryCgroup {
public:
    explicit MemoryCgroup(std::string path) : path_(std::move(path))
    {
        ::rmdir(path_.c_str()); // one a killed run left behind, if any
        if (::mkdir(path_.c_str(), 0755) != 0)
            die("B9: mkdir {}: {}", path_, std::strerror(errno));
        pendingCleanups().push_back([path = path_] { remove(path); });
    }
    ~MemoryCgroup()
    {
        pendingCleanups().pop_back();
        remove(path_);
    }
    MemoryCgroup(const MemoryCgroup&) = delete;
    MemoryCgroup& operator=(const MemoryCgroup&) = delete;

    const std::string& path() const { return path_; }

private:
    // A child reaped a moment ago may keep the cgroup populated briefly (EBUSY).
    static void remove(const std::string& path)
    {
        for (int attempt = 0; attempt < 100; attempt++) {
            if (::rmdir(path.c_str()) == 0 || errno == ENOENT)
                return;
            if (errno != EBUSY)
                break;
            ::usleep(20 * 1000);
        }
        std::fprintf(stderr, "vsvm-bench: could not remove %s: %s\n", path.c_str(), std::strerror(errno));
    }

    std::string path_;
};

// B9's contents: a different 64-bit word at every offset of a half, and
// different halves for different seeds, so that every page differs and
// compresses poorly: zram has to store each one.
uint64_t patternWord(uint64_t seed, std::size_t index)
{
    uint64_t w = (index + 1) * 0x9e3779b97f4a7c15ull + seed * 0xd1b54a32d192ed03ull;
    w ^= w >> 29;
    w *= 0xbf58476d1ce4e5b9ull;
    return w ^ (w >> 32);
}

void fillPattern(char* base, std::size_t bytes, uint64_t seed)
{
    for (std::size_t off = 0; off < bytes; off += sizeof(uint64_t)) {
        const uint64_t w = patternWord(seed, off / sizeof(uint64_t));
        std::memcpy(base + off, &w, sizeof(w));
    }
}

// Return: the first offset of [base, base + bytes) that does not hold the
// pattern of seed, or bytes.
std::size_t patternMismatch(const char* base, std::size_t bytes, uint64_t seed)
{
    for (std::size_t off = 0; off < bytes; off += sizeof(uint64_t)) {
        const uint64_t w = patternWord(seed, off / sizeof(uint64_t));
        if (std::memcmp(base + off, &w, sizeof(w)) != 0)
            return off;
    }
    return bytes;
}

// The CHECKSUM the device must give for [offset, offset + bytes) of the
// pattern of seed, computed from the pattern rather than from the memory,
// so that the CPU does not touch the halves.
uint64_t patternChecksum(uint64_t seed, std::size_t offset, std::size_t bytes)
{
    uint64_t h = kFnvOffset;
    for (std::size_t off = offset; off < offset + bytes; off += sizeof(uint64_t)) {
        const uint64_t w = patternWord(seed, off / sizeof(uint64_t));
        for (unsigned byte = 0; byte < sizeof(w); byte++) // little-endian, as memory holds it
            h = (h ^ ((w >> (8 * byte)) & 0xff)) * kFnvPrime;
    }
    return h;
}

// Pages of [base, base + bytes) present in memory and in swap, from
// /proc/self/pagemap (bits 63 and 62 of each entry).
struct Residency {
    std::size_t present = 0;
    std::size_t swapped = 0;
};

Residency residency(const char* base, std::size_t bytes)
{
    const int fd = ::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        die("open /proc/self/pagemap: {}", std::strerror(errno));
    std::vector<uint64_t> entries(bytes / kPage);
    const auto want = static_cast<ssize_t>(entries.size() * sizeof(uint64_t));
    const auto where = static_cast<off_t>(reinterpret_cast<uintptr_t>(base) / kPage * sizeof(uint64_t));
    const ssize_t got = ::pread(fd, entries.data(), static_cast<std::size_t>(want), where);
    ::close(fd);
    if (got != want)
        die("read /proc/self/pagemap: {}", got < 0 ? std::strerror(errno) : "short read");
    Residency r;
    for (const uint64_t e : entries) {
        r.present += (e >> 63) & 1;
        r.swapped += (e >> 62) & 1;
    }
    return r;
}

// All @bytes through @io (::read or ::write), resuming after EINTR and short
// transfers; false on an error or end of file.
template <typename Buffer, typename Io>
bool transferAll(Io io, int fd, Buffer* data, std::size_t bytes)
{
    auto* p = reinterpret_cast<std::conditional_t<std::is_const_v<Buffer>, const char, char>*>(data);
    while (bytes) {
        const ssize_t n = io(fd, p, bytes);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        bytes -= static_cast<std::size_t>(n);
    }
    return true;
}

bool writeAll(int fd, const void* data, std::size_t bytes)
{
    return transferAll(::write, fd, data, bytes);
}

bool readAll(int fd, void* data, std::size_t bytes)
{
    return transferAll(::read, fd, data, bytes);
}

// What one B9 side sets up: the sizes, and the checksums the device must
// give, a MiB at a time, of A (seed 1) and B (seed 2).
struct B9Plan {
    std::string cgroup;
    std::size_t half = 0;    // bytes of A, and of B
    std::size_t squeeze = 0; // bytes the CPU writes over and over under the limit
    std::size_t margin = 0;  // memory.max this far below memory.current
    double seconds = 0;      // of pressure
    std::vector<uint64_t> sumsA, sumsB;
};

// What one B9 side measured over its pressure, from the forked child to
// the benchmark through a pipe.
struct B9Sample {
    double seconds = 0;
    uint64_t faults = 0;
    uint64_t mapped4K = 0;
    uint64_t youngQueries = 0;
    uint64_t youngAnswers = 0;
    uint64_t mibRead = 0; // device reads of a MiB of A
    uint64_t residentA = 0, swappedA = 0, residentB = 0, swappedB = 0;
};

// The device CHECKSUMs [base, base + sums.size() MiB) a MiB per command, one
// job; each result must be the pattern's. Mirrors every page.
void checksumMiBs(const vsvm::Vm& vm, const char* base, const std::vector<uint64_t>& sums,
                  std::vector<uint64_t>& results, std::string_view what)
{
    std::vector<vsvm::CopyCommand> commands;
    for (std::size_t i = 0; i < sums.size(); i++)
        commands.push_back(vsvm::CopyCommand::checksum(base + i * kMiB, kMiB, &results[i]));
    vsvm::CopyQueue queue(vm);
    std::vector<vsvm::Fence> fences;
    fences.push_back(check(queue.submit(commands), what));
    waitAll(fences, what);
    for (std::size_t i = 0; i < sums.size(); i++)
        if (results[i] != sums[i])
            die("B9: {}: the device's checksum of MiB {} is {:#x}, expected {:#x}", what, i, results[i], sums[i]);
}

// One B9 side, in the child forked for it, which has joined the cgroup:
// mirrors A and B in a VM of its own (destroyed on return: the VM belongs to
// the device file, which the benchmark keeps open), then squeezes while the
// device reads A. A failure dies (exit status 1).
B9Sample b9Measure(const vsvm::Device& device, const B9Plan& plan)
{
    auto vm = check(vsvm::Vm::create(device), "B9: create VM");
    char* a = mapRegion(plan.half);
    char* b = mapRegion(plan.half);
    char* squeeze = mapRegion(plan.squeeze);
    for (char* p : {a, b})
        if (::madvise(p, plan.half, MADV_NOHUGEPAGE) != 0)
            die("B9: madvise(MADV_NOHUGEPAGE): {}", std::strerror(errno));
    ::madvise(squeeze, plan.squeeze, MADV_NOHUGEPAGE);
    fillPattern(a, plan.half, 1);
    fillPattern(b, plan.half, 2);
    const std::size_t mibs = plan.sumsA.size();
    std::vector<uint64_t> results(mibs + 1);
    checksumMiBs(vm, a, plan.sumsA, results, "mirror A");
    checksumMiBs(vm, b, plan.sumsB, results, "mirror B");

    // The device reads A, a MiB per job (short jobs, even while swapping),
    // until told to stop; from now on the CPU touches neither A nor B.
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> jobs{0};
    std::string failure; // the reader's, read after the join
    uint64_t* slot = &results[mibs];
    std::thread reader([&] {
        vsvm::CopyQueue queue(vm);
        for (std::size_t i = 0; !stop.load(); i = (i + 1) % mibs) {
            auto fence = queue.checksum(a + i * kMiB, kMiB, slot);
            if (!fence) {
                failure = fmt::format("submit: {}", fence.status().message());
                return;
            }
            const vsvm::Status status = fence.value().waitOk(std::chrono::seconds(60));
            if (!status.ok()) {
                failure = fmt::format("MiB {} of A: {}", i, status.message());
                return;
            }
            if (*slot != plan.sumsA[i]) {
                failure = fmt::format("MiB {} of A: checksum {:#x}, expected {:#x}", i, *slot, plan.sumsA[i]);
                return;
            }
            jobs++;
        }
    });

    const vsvm::VmCounters c0 = counters(vm);
    const uint64_t current = std::stoull(readFile(plan.cgroup + "/memory.current"));
    if (current <= plan.margin)
        die("B9: the cgroup holds {} bytes, less than the {} to squeeze", current, plan.margin);
    writeFile(plan.cgroup + "/memory.max", std::to_string(current - plan.margin));
    const uint64_t jobs0 = jobs.load();
    const double start = nowUs();
    for (unsigned round = 0; nowUs() - start < plan.seconds * 1e6; round++) {
        std::memset(squeeze, static_cast<int>(round % 255 + 1), plan.squeeze);
        escape(squeeze);
    }
    B9Sample s;
    s.seconds = (nowUs() - start) / 1e6;
    s.mibRead = jobs.load() - jobs0;
    const vsvm::VmCounters c1 = counters(vm);
    stop = true;
    reader.join();
    const Residency ra = residency(a, plan.half), rb = residency(b, plan.half);
    writeFile(plan.cgroup + "/memory.max", "max");
    if (!failure.empty())
        die("B9: a device read of A failed under pressure: {}", failure);
    s.faults = c1.faults - c0.faults;
    s.mapped4K = c1.mapped4K - c0.mapped4K;
    s.youngQueries = c1.youngQueries - c0.youngQueries;
    s.youngAnswers = c1.youngAnswers - c0.youngAnswers;
    s.residentA = ra.present;
    s.swappedA = ra.swapped;
    s.residentB = rb.present;
    s.swappedB = rb.swapped;
    // Swapped out or not, A and B hold what the CPU wrote.
    if (const std::size_t off = patternMismatch(a, plan.half, 1); off != plan.half)
        die("B9: A differs from what the CPU wrote at offset {}", off);
    if (const std::size_t off = patternMismatch(b, plan.half, 2); off != plan.half)
        die("B9: B differs from what the CPU wrote at offset {}", off);
    return s;
}

// The child of one B9 side (the aging tunable is set): joins the cgroup,
// measures, and writes what it measured to fd. It never returns.
[[noreturn]] void b9Child(const vsvm::Device& device, const B9Plan& plan, int fd)
{
    writeFile(plan.cgroup + "/cgroup.procs", std::to_string(::getpid()));
    const B9Sample s = b9Measure(device, plan);
    if (!writeAll(fd, &s, sizeof(s)))
        die("B9: write to the benchmark: {}", std::strerror(errno));
    ::_exit(0);
}

struct Options {
    unsigned reps = 11;
    std::vector<std::size_t> b1Mib{256};
    std::size_t b2Mib = 256;
    std::size_t b3Mib = 1024;
    std::vector<std::string> b3Ops; // empty: all
    std::size_t b4Mib = 1024;
    std::size_t b5Floats = 16u << 20;
    std::vector<std::size_t> b6Counts{1000, 10000, 100000};
    std::size_t b8Mib = 256;
    std::size_t b9Mib = 8;
    std::size_t b10Mib = 64;
    unsigned b9Seconds = 4;
    std::vector<std::string> only;
    std::string out = ".";
    std::string machine;
    std::string dmirror = "/dev/hmm_dmirror0";
    std::string kernels = VSVM_KERNELS_DIR;
};

class Bench {
public:
    explicit Bench(const Options& options)
        : opt_(options), device_(check(vsvm::Device::open(0), "open vsvm device"))
    {
        const std::string node = device_.path().substr(device_.path().rfind('/') + 1);
        tunables_ = "/sys/class/drm/" + node + "/device/tunables/";
        sink_ = static_cast<char*>(std::aligned_alloc(kPage, kPage));
        std::memset(sink_, 0, kPage);
    }
    ~Bench() { std::free(sink_); }

    bool wanted(const std::string& id) const
    {
        return opt_.only.empty() || std::find(opt_.only.begin(), opt_.only.end(), id) != opt_.only.end();
    }

    void b1();
    void b2();
    void b3();
    void b4();
    void b5();
    void b6();
    void b8();
    void b9();
    void b10();

    json meta() const;
    std::string markdown(const json& meta) const;
    const Report& report() const { return report_; }
    void writePlotData(const std::string& dir) const;

private:
    vsvm::Vm newVm(bool withSink = true) const
    {
        auto vm = check(vsvm::Vm::create(device_), "create VM");
        if (withSink)
            check(vm.prefetch(sink_, kPage, true), "prefetch sink");
        return vm;
    }

    B9Sample b9Side(const B9Plan& plan, bool aging) const;

    const Options& opt_;
    vsvm::Device device_;
    std::string tunables_;
    char* sink_ = nullptr;
    Report report_;
    json b1Plot_ = json::array();
    json b6Plot_ = json::array();
    double startUs_ = nowUs();
};

// B1 first touch of fresh memory: B1a the fault cost per page, B1b end to
// end; B7 from the same runs.
void Bench::b1()
{
    const int dm = ::open(opt_.dmirror.c_str(), O_RDWR);
    if (dm < 0)
        die("open {}: {} (modprobe test_hmm)", opt_.dmirror, std::strerror(errno));
    char* bounce = mapRegion(kBatchBytes);
    std::memset(bounce, 0, kBatchBytes);
    for (const std::string thp : {"never", "always"}) {
        ScopedSetting setting(kThpEnabled, thp);
        const std::string tag = thpTag(thp);
        for (const std::size_t mib : opt_.b1Mib) {
            const std::size_t bytes = mib * kMiB;
            const double pages = static_cast<double>(bytes / kPage);
            progress("B1: {} MiB, {}, {} repetitions", mib, tag, opt_.reps);
            // Times in µs per 4 KiB page.
            std::vector<double> vsCold, vsWarm, dmCold, dmWarm, cpuCold, cpuWarm, devSum, cpuSum, devFill, cpuSet;
            std::vector<double> faults, warmFaults, huge, prefetched, faultNs, hmmNs, perFault, faultWall,
                dmFaults, dmWarmFaults;
            auto vm = newVm();
            // The expected hashes, computed once here rather than after a timed side.
            for (std::size_t off = 0; off < bytes; off += kBatchBytes)
                fnv1aOfZeros(std::min(kBatchBytes, bytes - off));
            for (unsigned rep = 0; rep < opt_.reps; rep++) {
                const std::vector<std::function<void()>> sides = {
                    [&] { // vsvm: a cold read of fresh memory, then a warm re-read of it
                        char* src = freshMalloc(bytes);
                        const auto c0 = counters(vm);
                        vsCold.push_back(timeUs([&] { deviceReadPages(vm, src, bytes, sink_); }) / pages);
                        const auto c1 = counters(vm);
                        vsWarm.push_back(timeUs([&] { deviceReadPages(vm, src, bytes, sink_); }) / pages);
                        const auto c2 = counters(vm);
                        std::free(src);
                        const Delta cold{c0, c1}, warm{c1, c2};
                        faults.push_back(static_cast<double>(cold.faults()));
                        warmFaults.push_back(static_cast<double>(warm.faults()));
                        huge.push_back(static_cast<double>(cold.mapped2M()));
                        prefetched.push_back(static_cast<double>(cold.prefetched()));
                        faultNs.push_back(static_cast<double>(cold.faultNs()));
                        hmmNs.push_back(static_cast<double>(cold.hmmNs()));
                        perFault.push_back(cold.faults() ? double(cold.faultNs()) / double(cold.faults()) / 1000.0 : 0);
                        faultWall.push_back(double(cold.faultNs()) / 1000.0 / (vsCold.back() * pages));
                        if (warm.faults())
                            progress("B1 WARNING: the warm re-read took {} faults (expected none)", warm.faults());
                    },
                    [&] { // dmirror: the same, through its read ioctl
                        char* src = freshMalloc(bytes);
                        uint64_t f = 0, w = 0;
                        dmCold.push_back(timeUs([&] { f = dmirrorRead(dm, src, bytes, bounce); }) / pages);
                        dmWarm.push_back(timeUs([&] { w = dmirrorRead(dm, src, bytes, bounce); }) / pages);
                        std::free(src);
                        dmFaults.push_back(static_cast<double>(f));
                        dmWarmFaults.push_back(static_cast<double>(w));
                    },
                    [&] { // the CPU: one byte per page, cold then warm
                        char* src = freshMalloc(bytes);
                        cpuCold.push_back(timeUs([&] { cpuReadPages(src, bytes); }) / pages);
                        cpuWarm.push_back(timeUs([&] { cpuReadPages(src, bytes); }) / pages);
                        std::free(src);
                    },
                    [&] { // B1b: the device reads every byte (CHECKSUM)
                        char* src = freshMalloc(bytes);
                        devSum.push_back(timeUs([&] { deviceChecksum(vm, src, bytes, sink_); }) / pages);
                        checkChecksumsOfZeros(sink_, bytes);
                        std::free(src);
                    },
                    [&] { // B1b: the CPU reads every byte
                        char* src = freshMalloc(bytes);
                        uint64_t sum = 1;
                        cpuSum.push_back(timeUs([&] { sum = cpuSumWords(src, bytes); }) / pages);
                        std::free(src);
                        if (sum != 0)
                            die("B1b: fresh memory sums to {:#x}, not 0", sum);
                    },
                    [&] { // B1b: the device writes every byte (FILL)
                        char* dst = freshMalloc(bytes);
                        devFill.push_back(timeUs([&] { deviceFill(vm, dst, bytes); }) / pages);
                        checkFill(dst, bytes);
                        std::free(dst);
                    },
                    [&] { // B1b: the CPU writes every byte
                        char* dst = freshMalloc(bytes);
                        cpuSet.push_back(timeUs([&] {
                                             std::memset(dst, 1, bytes);
                                             escape(dst);
                                         }) /
                                         pages);
                        std::free(dst);
                    },
                };
                alternate(rep, sides);
            }
            const json p = {{"mib", mib}, {"thp", thp}};
            const std::string v = fmt::format("{} MiB, {}", mib, tag);
            const Stats sVsFault = summarise(minus(vsCold, vsWarm)), sDmFault = summarise(minus(dmCold, dmWarm)),
                        sCpuFault = summarise(minus(cpuCold, cpuWarm));
            const Stats sVsCold = summarise(vsCold), sDmCold = summarise(dmCold), sCpuCold = summarise(cpuCold),
                        sSet = summarise(cpuSet), sCpuSum = summarise(cpuSum);
            // B1a
            report_.add("B1a", "vsvm cold read µs/page, " + v, "µs", sVsCold, std::nullopt, p);
            report_.add("B1a", "vsvm warm re-read µs/page, " + v, "µs", summarise(vsWarm), std::nullopt, p);
            report_.add("B1a", "vsvm fault cost µs/page (cold - warm), " + v, "µs", sVsFault, std::nullopt, p);
            report_.add("B1a", "dmirror cold read µs/page, " + v, "µs", sDmCold, std::nullopt, p);
            report_.add("B1a", "dmirror warm re-read µs/page, " + v, "µs", summarise(dmWarm), std::nullopt, p);
            report_.add("B1a", "dmirror fault cost µs/page (cold - warm), " + v, "µs", sDmFault, std::nullopt, p);
            report_.add("B1a", "CPU 1-byte read µs/page, cold, " + v, "µs", sCpuCold, std::nullopt, p);
            report_.add("B1a", "CPU 1-byte read µs/page, warm, " + v, "µs", summarise(cpuWarm), std::nullopt, p);
            report_.add("B1a", "CPU 1-byte read fault cost µs/page (cold - warm), " + v, "µs", sCpuFault,
                        std::nullopt, p);
            report_.ratio("B1a", "fault cost per page, vsvm / dmirror, " + v, {"vsvm", sVsFault},
                          {"dmirror", sDmFault}, Goal{"<=", 0.9}, p);
            report_.ratio("B1a", "fault cost per page, vsvm / CPU 1-byte read, " + v, {"vsvm", sVsFault},
                          {"CPU", sCpuFault}, Goal{"<=", 0.6}, p);
            report_.add("B1a", "vsvm faults, cold read, " + v, "faults", summarise(faults), std::nullopt, p);
            report_.add("B1a", "vsvm faults, warm re-read (0 expected), " + v, "faults", summarise(warmFaults),
                        std::nullopt, p);
            report_.add("B1a", "vsvm 2M device PTEs, " + v, "PTEs", summarise(huge), std::nullopt, p);
            report_.add("B1a", "vsvm pages prefetched, " + v, "pages", summarise(prefetched), std::nullopt, p);
            report_.add("B1a", "dmirror read ioctl retries (its 'faults'), cold, " + v, "retries",
                        summarise(dmFaults), std::nullopt, p);
            report_.add("B1a", "dmirror read ioctl retries, warm (0 expected), " + v, "retries",
                        summarise(dmWarmFaults), std::nullopt, p);
            // B1b
            const Stats sDevSum = summarise(devSum), sDevFill = summarise(devFill);
            report_.add("B1b", "device read every byte (checksum) µs/page, " + v, "µs", sDevSum, std::nullopt, p);
            report_.add("B1b", "CPU read every byte (64-bit sum) µs/page, " + v, "µs", sCpuSum, std::nullopt, p);
            report_.ratio("B1b", "device read (checksum) / CPU read of every byte, " + v, {"device", sDevSum},
                          {"CPU", sCpuSum}, Goal{"<=", 1.2}, p);
            report_.ratio("B1b", "device read (4 KiB copy per page) / CPU read of every byte, " + v,
                          {"device", sVsCold}, {"CPU", sCpuSum}, std::nullopt, p);
            report_.add("B1b", "device write every byte (fill) µs/page, " + v, "µs", sDevFill, std::nullopt, p);
            report_.add("B1b", "CPU write every byte (memset) µs/page, " + v, "µs", sSet, std::nullopt, p);
            report_.ratio("B1b", "device write (fill) / CPU write (memset), " + v, {"device", sDevFill},
                          {"CPU", sSet}, std::nullopt, p);
            // B7
            const Stats sHmm = summarise(hmmNs), sFault = summarise(faultNs);
            report_.share("B7", "driver share of fault time, 1 - HMM_NS / FAULT_NS, " + v, {"HMM_NS", sHmm},
                          {"FAULT_NS", sFault}, Goal{"<=", thp == "never" ? 0.15 : 0.05}, p);
            report_.add("B7", "µs per fault, " + v, "µs", summarise(perFault), std::nullopt, p);
            report_.add("B7", "fault handling / wall time of the cold read, " + v, "share", summarise(faultWall),
                        std::nullopt, p);
            // The report before issue 15, computed as it was: ratios and
            // shares per repetition, then summarised.
            const std::vector<double> hmmShare = over(hmmNs, faultNs);
            std::vector<double> driver;
            for (double h : hmmShare)
                driver.push_back(1 - h);
            report_.add("B1", "vsvm µs/page, " + v, "µs", sVsCold, std::nullopt, p, Section::kOld);
            report_.add("B1", "dmirror µs/page, " + v, "µs", sDmCold, std::nullopt, p, Section::kOld);
            report_.add("B1", "CPU memset µs/page, " + v, "µs", sSet, std::nullopt, p, Section::kOld);
            report_.add("B1", "CPU read µs/page, " + v, "µs", sCpuCold, std::nullopt, p, Section::kOld);
            report_.add("B1", "vsvm / dmirror, " + v, "×", summarise(over(vsCold, dmCold)), Goal{"<=", 0.5}, p,
                        Section::kOld);
            report_.add("B1", "vsvm / CPU memset, " + v, "×", summarise(over(vsCold, cpuSet)), std::nullopt, p,
                        Section::kOld);
            report_.add("B7", "fault time in hmm_range_fault, " + v, "share", summarise(hmmShare), std::nullopt, p,
                        Section::kOld);
            report_.add("B7", "fault time in the driver, " + v, "share", summarise(driver), Goal{"<=", 0.25}, p,
                        Section::kOld);
            b1Plot_.push_back({{"mib", mib},
                               {"thp", thp},
                               {"vsvm", {sVsFault.median, sVsFault.min, sVsFault.max}},
                               {"dmirror", {sDmFault.median, sDmFault.min, sDmFault.max}},
                               {"cpu", {sCpuFault.median, sCpuFault.min, sCpuFault.max}}});
        }
    }
    ::munmap(bounce, kBatchBytes);
    ::close(dm);
}

// B2 re-mirror after invalidation, per event policy.
void Bench::b2()
{
    ScopedSetting thp(kThpEnabled, "never");
    const std::size_t bytes = opt_.b2Mib * kMiB;
    const double pages = static_cast<double>(bytes / kPage);
    struct Event {
        std::string name;
        std::function<void(char*)> run;
    };
    const std::vector<Event> events = {
        {"clear_refs soft-dirty", [](char*) { writeFile("/proc/self/clear_refs", "4"); }},
        {"fork", [](char*) {
             const pid_t pid = ::fork();
             if (pid < 0)
                 die("fork: {}", std::strerror(errno));
             if (pid == 0)
                 ::_exit(0);
             ::waitpid(pid, nullptr, 0);
         }},
        {"mprotect RW→R", [bytes](char* p) {
             if (::mprotect(p, bytes, PROT_READ) != 0)
                 die("mprotect: {}", std::strerror(errno));
         }},
    };
    const char* const policies[2] = {"precise", "zap_all"};
    for (const auto& event : events) {
        progress("B2: after {}, {} repetitions", event.name, opt_.reps);
        std::vector<double> faults[2], times[2];
        for (unsigned rep = 0; rep < opt_.reps; rep++) {
            auto side = [&](int pol) {
                ScopedSetting policy(tunables_ + "event_policy", policies[pol]);
                auto vm = newVm();
                char* p = mapRegion(bytes);
                cpuTouchWrite(p, bytes);
                deviceReadPages(vm, p, bytes, sink_, kTouchBytes);
                event.run(p);
                Delta d{counters(vm), {}};
                times[pol].push_back(timeUs([&] { deviceReadPages(vm, p, bytes, sink_); }) / pages);
                d.after = counters(vm);
                faults[pol].push_back(static_cast<double>(d.faults()));
                ::munmap(p, bytes);
            };
            alternate(rep, {[&] { side(0); }, [&] { side(1); }});
        }
        const json p = {{"mib", opt_.b2Mib}, {"event", event.name}, {"thp", "never"}};
        const std::string v = fmt::format("after {}, {} MiB, THP off", event.name, opt_.b2Mib);
        const Stats fp = summarise(faults[0]), fz = summarise(faults[1]), tp = summarise(times[0]),
                    tz = summarise(times[1]);
        report_.add("B2", "faults to re-read, precise, " + v, "faults", fp, std::nullopt, p);
        report_.add("B2", "faults to re-read, zap_all, " + v, "faults", fz, std::nullopt, p);
        report_.add("B2", "µs/page to re-read, precise, " + v, "µs", tp, std::nullopt, p);
        report_.add("B2", "µs/page to re-read, zap_all, " + v, "µs", tz, std::nullopt, p);
        // precise may take no fault at all: its median counts as one.
        report_.ratio("B2", "faults zap_all / precise (precise counted as at least 1), " + v, {"zap_all", fz},
                      {"precise", fp}, Goal{">=", 10}, p, 1.0);
        report_.ratio("B2", "time zap_all / precise, " + v, {"zap_all", tz}, {"precise", tp}, std::nullopt, p);
    }
}

// B3 CPU tax of a fully mirrored region.
void Bench::b3()
{
    ScopedSetting thp(kThpEnabled, "never");
    const std::size_t bytes = opt_.b3Mib * kMiB;
    struct Op {
        std::string name;
        std::function<void(char*)> run;
        bool unmaps;
        bool goal;
    };
    const std::vector<Op> ops = {
        {"munmap", [bytes](char* p) { ::munmap(p, bytes); }, true, true},
        {"mprotect RW→R", [bytes](char* p) { ::mprotect(p, bytes, PROT_READ); }, false, true},
        {"fork", [](char*) {
             const pid_t pid = ::fork();
             if (pid == 0)
                 ::_exit(0);
             if (pid < 0)
                 die("fork: {}", std::strerror(errno));
         }, false, true},
        {"madvise DONTNEED", [bytes](char* p) { ::madvise(p, bytes, MADV_DONTNEED); }, false, false},
    };
    for (const auto& op : ops) {
        if (!opt_.b3Ops.empty() && std::ranges::find(opt_.b3Ops, op.name.substr(0, op.name.find(' '))) ==
                                       opt_.b3Ops.end())
            continue;
        progress("B3: {}, {} repetitions", op.name, opt_.reps);
        std::vector<double> t[2];
        for (unsigned rep = 0; rep < opt_.reps; rep++) {
            auto side = [&](int mirrored) {
                auto vm = newVm();
                char* p = mapRegion(bytes);
                cpuTouchWrite(p, bytes);
                if (mirrored)
                    check(vm.prefetch(p, bytes, true), "prefetch B3 region");
                t[mirrored].push_back(timeUs([&] { op.run(p); }));
                ::wait(nullptr); // the fork child, if any
                if (!op.unmaps)
                    ::munmap(p, bytes);
            };
            // vsvm (mirrored) first on even repetitions.
            alternate(rep, {[&] { side(1); }, [&] { side(0); }});
        }
        const json p = {{"mib", opt_.b3Mib}, {"op", op.name}, {"thp", "never"}};
        const std::string v = fmt::format("{} of {} MiB, THP off", op.name, opt_.b3Mib);
        const Stats never = summarise(t[0]), mirrored = summarise(t[1]);
        report_.add("B3", "never mirrored, " + v, "µs", never, std::nullopt, p);
        report_.add("B3", "fully mirrored, " + v, "µs", mirrored, std::nullopt, p);
        report_.ratio("B3", "mirrored / never mirrored, " + v, {"mirrored", mirrored}, {"never", never},
                      op.goal ? std::optional<Goal>(Goal{"<=", 1.05}) : std::nullopt, p);
        report_.add("B3", "mirrored / never mirrored, " + v, "×", summarise(over(t[1], t[0])),
                    op.goal ? std::optional<Goal>(Goal{"<=", 1.10}) : std::nullopt, p, Section::kOld);
    }
}

// B4 steady-state copy bandwidth on warm memory, against the kernel's own
// copy between address spaces (process_vm_readv() of this process: the same
// in-kernel copy routine, so the ratio is the device's translation overhead)
// and user-space memcpy. B4b: FILL against memset and CHECKSUM against a CPU
// FNV-1a loop, over the same memory.
void Bench::b4()
{
    const std::size_t bytes = opt_.b4Mib * kMiB;
    auto vm = newVm();
    char* src = mapRegion(bytes);
    char* dst = mapRegion(bytes);
    std::memset(src, 3, bytes);
    std::memset(dst, 0, bytes);
    check(vm.prefetch(src, bytes, false), "prefetch B4 source");
    check(vm.prefetch(dst, bytes, true), "prefetch B4 destination");
    vsvm::CopyQueue queue(vm);
    auto copy = [&] {
        auto fence = check(queue.copy(dst, src, bytes), "B4 copy");
        auto result = check(fence.wait(), "B4 wait");
        if (!result.ok())
            die("B4 copy failed: {}", result.describe());
    };
    // The kernel reads our own address space: it may return short counts.
    const pid_t self = ::getpid();
    auto peerCopy = [&] {
        for (std::size_t done = 0; done < bytes;) {
            const iovec local{dst + done, bytes - done}, remote{src + done, bytes - done};
            const ssize_t n = ::process_vm_readv(self, &local, 1, &remote, 1, 0);
            if (n <= 0)
                die("B4: process_vm_readv: {}", n < 0 ? std::strerror(errno) : "no progress");
            done += static_cast<std::size_t>(n);
        }
        escape(dst);
    };
    copy(); // warm the TLB and every path once
    if (std::memcmp(src, dst, bytes) != 0)
        die("B4: the device copy differs from its source");
    std::memset(dst, 0, bytes);
    peerCopy();
    if (std::memcmp(src, dst, bytes) != 0)
        die("B4: process_vm_readv's copy differs from its source");
    std::vector<double> dev, cpu, peer, faults;
    const double gib = double(bytes) / double(1u << 30);
    for (unsigned rep = 0; rep < opt_.reps; rep++) {
        alternate(rep, {[&] {
                            Delta d{counters(vm), {}};
                            dev.push_back(gib / (timeUs(copy) / 1e6));
                            d.after = counters(vm);
                            faults.push_back(static_cast<double>(d.faults()));
                        },
                        [&] {
                            cpu.push_back(gib / (timeUs([&] {
                                                     std::memcpy(dst, src, bytes);
                                                     escape(dst);
                                                 }) /
                                                 1e6));
                        },
                        [&] { peer.push_back(gib / (timeUs(peerCopy) / 1e6)); }});
    }
    const json p = {{"mib", opt_.b4Mib}};
    const std::string v = fmt::format("{} MiB warm", opt_.b4Mib);
    const Stats sDev = summarise(dev), sCpu = summarise(cpu), sPeer = summarise(peer);
    report_.add("B4", "device copy, " + v, "GiB/s", sDev, std::nullopt, p);
    report_.add("B4", "CPU memcpy, " + v, "GiB/s", sCpu, std::nullopt, p);
    report_.add("B4", "process_vm_readv, " + v, "GiB/s", sPeer, std::nullopt, p);
    report_.ratio("B4", "device / process_vm_readv bandwidth, " + v, {"device", sDev}, {"process_vm_readv", sPeer},
                  Goal{">=", 0.9}, p);
    report_.ratio("B4", "device / memcpy bandwidth, " + v, {"device", sDev}, {"memcpy", sCpu}, Goal{">=", 0.6}, p);
    report_.add("B4", "device / memcpy bandwidth, " + v, "×", summarise(over(dev, cpu)), Goal{">=", 0.8}, p,
                Section::kOld);
    report_.add("B4", "device faults per copy, " + v, "faults", summarise(faults), std::nullopt, p);

    // B4b. The device FILLs and CHECKSUMs in 16 MiB commands, one job each
    // (deviceFill(), deviceChecksum()); the CPU hashes the same chunks, so
    // that its hashes check the device's.
    const std::size_t chunks = (bytes + kBatchBytes - 1) / kBatchBytes;
    std::vector<uint64_t> cpuHashes(chunks);
    auto cpuHash = [&] {
        for (std::size_t i = 0; i < chunks; i++) {
            const auto* b = reinterpret_cast<const unsigned char*>(src + i * kBatchBytes);
            const std::size_t n = std::min(kBatchBytes, bytes - i * kBatchBytes);
            uint64_t h = kFnvOffset;
            for (std::size_t j = 0; j < n; j++)
                h = (h ^ b[j]) * kFnvPrime;
            cpuHashes[i] = h;
        }
    };
    std::vector<double> devFill, cpuSet, devSum, cpuSum;
    for (unsigned rep = 0; rep < opt_.reps; rep++) {
        alternate(rep, {[&] { devFill.push_back(gib / (timeUs([&] { deviceFill(vm, dst, bytes); }) / 1e6)); },
                        [&] {
                            cpuSet.push_back(gib / (timeUs([&] {
                                                        std::memset(dst, 0x5a, bytes);
                                                        escape(dst);
                                                    }) /
                                                    1e6));
                        }});
        alternate(rep, {[&] { devSum.push_back(gib / (timeUs([&] { deviceChecksum(vm, src, bytes, sink_); }) / 1e6)); },
                        [&] { cpuSum.push_back(gib / (timeUs(cpuHash) / 1e6)); }});
    }
    deviceFill(vm, dst, bytes);
    checkFill(dst, bytes);
    for (std::size_t i = 0; i < chunks; i++) {
        uint64_t result;
        std::memcpy(&result, sink_ + i * sizeof(uint64_t), sizeof(result));
        if (result != cpuHashes[i])
            die("B4b: the device's checksum of chunk {} is {:#x}, the CPU's {:#x}", i, result, cpuHashes[i]);
    }
    const Stats sFill = summarise(devFill), sSet = summarise(cpuSet), sSum = summarise(devSum),
                sFnv = summarise(cpuSum);
    report_.add("B4b", "device fill, " + v, "GiB/s", sFill, std::nullopt, p);
    report_.add("B4b", "CPU memset, " + v, "GiB/s", sSet, std::nullopt, p);
    report_.ratio("B4b", "device fill / memset bandwidth, " + v, {"fill", sFill}, {"memset", sSet}, Goal{">=", 0.8},
                  p);
    report_.add("B4b", "device checksum, " + v, "GiB/s", sSum, std::nullopt, p);
    report_.add("B4b", "CPU FNV-1a loop, " + v, "GiB/s", sFnv, std::nullopt, p);
    report_.ratio("B4b", "device checksum / CPU FNV-1a bandwidth, " + v, {"checksum", sSum}, {"CPU FNV-1a", sFnv},
                  Goal{">=", 0.8}, p);
    ::munmap(src, bytes);
    ::munmap(dst, bytes);
}

// B5 saxpy on one compute engine (the compute_engines_active tunable at 1)
// against a plain loop on one CPU thread; the old section keeps all engines
// against that loop. B5b: the same saxpy on two engines against one.
void Bench::b5()
{
    const auto n = static_cast<uint32_t>(opt_.b5Floats);
    const float a = 2.0f;
    auto kernel = check(vsvm::Kernel::fromAssembly(readFile(opt_.kernels + "/saxpy.vsa")), "assemble saxpy");
    const auto engines = static_cast<unsigned>(check(device_.queryParam(DRM_VSVM_PARAM_COMPUTE_ENGINES),
                                                     "query compute engines"));
    auto vm = newVm();
    std::vector<float> x(n), y(n), y0(n);
    for (uint32_t i = 0; i < n; i++) {
        x[i] = static_cast<float>(i % 1000);
        y0[i] = 1.0f;
    }
    check(vm.prefetch(x.data(), n * sizeof(float), false), "prefetch x");
    check(vm.prefetch(y.data(), n * sizeof(float), true), "prefetch y");
    const uint32_t lanes = 256;
    vsvm::ComputeQueue queue(vm);
    auto device = [&] {
        auto fence = check(queue.launch(kernel, {(n + lanes - 1) / lanes}, {lanes}, x.data(), y.data(), n, a),
                           "saxpy launch");
        auto result = check(fence.wait(), "saxpy wait");
        if (!result.ok())
            die("saxpy failed: {}", result.describe());
    };
    auto cpu = [&] {
        float* __restrict yp = y.data();
        const float* __restrict xp = x.data();
        for (uint32_t i = 0; i < n; i++)
            yp[i] = a * xp[i] + yp[i];
        escape(yp);
    };
    // The engine counts timed: 1 (B5), 2 (B5b) and all (the old B5); each is
    // one side of every repetition, the tunable set for that side alone.
    std::set<unsigned> counts{1, engines};
    if (engines >= 2)
        counts.insert(2);
    std::map<unsigned, std::vector<double>> dev;
    std::vector<double> host;
    std::vector<std::function<void()>> sides;
    for (const unsigned active : counts)
        sides.push_back([&, active] {
            ScopedSetting setting(tunables_ + "compute_engines_active", std::to_string(active));
            y = y0;
            dev[active].push_back(timeUs(device) / 1000.0);
            for (uint32_t i = 0; i < n; i++)
                if (y[i] != a * x[i] + 1.0f)
                    die("saxpy on {} engines: y[{}] = {}, expected {}", active, i, y[i], a * x[i] + 1.0f);
        });
    sides.push_back([&] {
        y = y0;
        host.push_back(timeUs(cpu) / 1000.0);
    });
    for (unsigned rep = 0; rep < opt_.reps; rep++)
        alternate(rep, sides);

    const std::string v = n % (1u << 20) ? fmt::format("{} floats", n) : fmt::format("{} M floats", n >> 20);
    const Stats sOne = summarise(dev[1]), sAll = summarise(dev[engines]), sHost = summarise(host);
    const json p1 = {{"floats", n}, {"compute_engines", engines}, {"compute_engines_active", 1}};
    report_.add("B5", "1 compute engine saxpy, " + v, "ms", sOne, std::nullopt, p1);
    report_.add("B5", "CPU loop saxpy (1 thread), " + v, "ms", sHost, std::nullopt, p1);
    report_.ratio("B5", "1 compute engine / 1 CPU thread time, " + v, {"1 engine", sOne}, {"CPU", sHost},
                  Goal{"<=", 8}, p1);
    report_.ratio("B5", "1 compute engine / 1 CPU thread time (stretch goal), " + v, {"1 engine", sOne},
                  {"CPU", sHost}, Goal{"<=", 5}, p1);

    // The definition before issue 17: every engine the device has.
    const json pAll = {{"floats", n}, {"compute_engines", engines}, {"compute_engines_active", engines}};
    const std::string all = fmt::format("{} compute engine{}", engines, engines == 1 ? "" : "s");
    report_.add("B5", all + " saxpy, " + v, "ms", sAll, std::nullopt, pAll, Section::kOld);
    report_.ratio("B5", all + " / 1 CPU thread time, " + v, {all, sAll}, {"CPU", sHost}, std::nullopt, pAll, 0,
                  Section::kOld);

    if (engines < 2) {
        progress("B5b (2 compute engines vs 1) skipped: the device has 1 compute engine (module parameter "
                 "compute_engines); load vsvm with compute_engines=2 or more to measure it.");
        return;
    }
    const Stats sTwo = summarise(dev[2]);
    const json p2 = {{"floats", n}, {"compute_engines", engines}, {"compute_engines_active", {1, 2}}};
    report_.add("B5b", "2 compute engines saxpy, " + v, "ms", sTwo, std::nullopt, p2);
    report_.ratio("B5b", "speed-up of 2 compute engines over 1 (1-engine / 2-engine time), " + v, {"1 engine", sOne},
                  {"2 engines", sTwo}, Goal{">=", 1.8}, p2);
}

// The least memory a 4-level device page table of 4 KiB tables needs to map
// these addresses: the root, one table per 512 GiB, one per 1 GiB and one
// leaf table per 2 MiB that holds any of them.
std::size_t pageTableBound(const std::vector<uintptr_t>& addresses)
{
    std::set<uintptr_t> l2, l1, leaf;
    for (const uintptr_t a : addresses) {
        l2.insert(a >> 39);
        l1.insert(a >> 30);
        leaf.insert(a >> 21);
    }
    return (1 + l2.size() + l1.size() + leaf.size()) * kPage;
}

// B6 many small mallocs touched by the device.
void Bench::b6()
{
    constexpr std::size_t kObject = 64;
    // The copies' sink lies outside the heap, so that the device pages
    // counted in the heap (below) are those of the objects' faults alone.
    char* sink = mapRegion(kPage);
    std::memset(sink, 0, kPage);
    for (const std::string thp : {"never", "always"}) {
        ScopedSetting setting(kThpEnabled, thp);
        const std::string tag = thpTag(thp);
        struct Runs {
            std::vector<double> faults, faultUs, perFault, perPage, wall, notifiers, ptBytes, bound, objectPages,
                live, written, ptOverBound, ptOverMirrored;
        };
        std::map<std::size_t, Runs> runs;
        progress("B6: {}, {} repetitions", tag, opt_.reps);
        auto run = [&](std::size_t count, Runs& r) {
            auto vm = newVm(false);
            check(vm.prefetch(sink, kPage, true), "prefetch B6 sink");
            std::vector<char*> objects(count);
            std::vector<uintptr_t> touched{reinterpret_cast<uintptr_t>(sink)};
            std::set<uintptr_t> objectPages;
            for (std::size_t i = 0; i < count; i++) {
                objects[i] = static_cast<char*>(std::malloc(kObject));
                if (!objects[i])
                    die("malloc failed");
                std::memset(objects[i], static_cast<int>(i), kObject);
                const auto a = reinterpret_cast<uintptr_t>(objects[i]);
                objectPages.insert(a / kPage);
                objectPages.insert((a + kObject - 1) / kPage);
            }
            for (const uintptr_t page : objectPages)
                touched.push_back(page * kPage);
            vsvm::CopyQueue queue(vm);
            std::vector<vsvm::CopyCommand> commands;
            std::vector<vsvm::Fence> fences;
            Delta d{counters(vm), {}};
            const double us = timeUs([&] {
                for (std::size_t i = 0; i < count; i++) {
                    commands.push_back(
                        vsvm::CopyCommand::copy(sink + (i % (kPage / kObject)) * kObject, objects[i], kObject));
                    if (commands.size() == kBatchPages || i + 1 == count) {
                        fences.push_back(check(queue.submit(commands), "B6 copy job"));
                        commands.clear();
                    }
                }
                waitAll(fences, "B6");
            });
            d.after = counters(vm);
            // Distinct device pages the faults mapped: the ptes_live gauge
            // counts each translated page once, however often a fault
            // mapped it again (the sink was mapped before d.before).
            const double live = double(d.after.ptesLive) - double(d.before.ptesLive);
            if (live < static_cast<double>(objectPages.size()))
                progress("B6 WARNING: {} device pages in the heap, fewer than the {} pages of the objects", live,
                         objectPages.size());
            const double written = double(d.after.mapped4K - d.before.mapped4K) +
                                   512.0 * double(d.after.mapped2M - d.before.mapped2M);
            const double faultUs = double(d.faultNs()) / 1000.0;
            r.faults.push_back(static_cast<double>(d.faults()));
            r.faultUs.push_back(faultUs);
            r.perFault.push_back(d.faults() ? faultUs / double(d.faults()) : 0);
            r.live.push_back(live);
            r.written.push_back(written);
            r.wall.push_back(us / double(count));
            r.notifiers.push_back(static_cast<double>(d.after.notifiersAlive));
            r.ptBytes.push_back(static_cast<double>(d.after.ptBytes));
            r.bound.push_back(static_cast<double>(pageTableBound(touched)));
            r.objectPages.push_back(static_cast<double>(objectPages.size()));
            r.ptOverBound.push_back(r.ptBytes.back() / r.bound.back());
            // The old definition: every translation the VM ever wrote, the sink's included.
            r.ptOverMirrored.push_back(double(d.after.ptBytes) /
                                       (double(d.after.mapped4K) * kPage + double(d.after.mapped2M) * kHuge));
            for (char* o : objects)
                std::free(o);
        };
        for (unsigned rep = 0; rep < opt_.reps; rep++) {
            std::vector<std::function<void()>> sides;
            for (const std::size_t count : opt_.b6Counts)
                sides.push_back([&, count] { run(count, runs[count]); });
            alternate(rep, sides);
        }
        for (auto& [count, r] : runs)
            r.perPage = over(r.faultUs, r.live);
        const std::string perPageName = "µs of fault handling per distinct mapped page";
        for (const std::size_t count : opt_.b6Counts) {
            const Runs& r = runs[count];
            const json p = {{"count", count}, {"object_bytes", kObject}, {"thp", thp}};
            const std::string v = fmt::format("{} mallocs, {}", count, tag);
            const Stats sPage = summarise(r.perPage), sPt = summarise(r.ptBytes), sBound = summarise(r.bound),
                        sPerFault = summarise(r.perFault), sOverBound = summarise(r.ptOverBound);
            report_.add("B6", "device faults, " + v, "faults", summarise(r.faults), std::nullopt, p);
            report_.add("B6", "pages holding the objects, " + v, "pages", summarise(r.objectPages), std::nullopt, p);
            report_.add("B6", "distinct device pages mapped (ptes_live), " + v, "pages", summarise(r.live),
                        std::nullopt, p);
            report_.add("B6", "translations written (MAPPED_4K + 512 × MAPPED_2M), " + v, "pages",
                        summarise(r.written), std::nullopt, p);
            report_.add("B6", perPageName + ", " + v, "µs", sPage, std::nullopt, p);
            report_.add("B6", "µs per malloc touched (wall), " + v, "µs", summarise(r.wall), std::nullopt, p);
            report_.add("B6", "notifiers alive, " + v, "notifiers", summarise(r.notifiers), std::nullopt, p);
            report_.add("B6", "page-table bytes, " + v, "bytes", sPt, std::nullopt, p);
            report_.add("B6", "4-level minimum for the touched addresses, " + v, "bytes", sBound, std::nullopt, p);
            report_.ratio("B6", "page-table bytes / 4-level minimum, " + v, {"page table", sPt}, {"minimum", sBound},
                          Goal{"<=", 1.0}, p);
            report_.add("B6", "µs per fault (fault handling), " + v, "µs", sPerFault, std::nullopt, p,
                        Section::kOld);
            report_.add("B6", "page-table bytes / mirrored byte, " + v, "ratio", summarise(r.ptOverMirrored),
                        Goal{"<=", 0.003}, p, Section::kOld);
            b6Plot_.push_back({{"thp", thp},
                               {"count", count},
                               {"per_page_us", {sPage.median, sPage.min, sPage.max}},
                               {"pt_over_bound", {sOverBound.median, sOverBound.min, sOverBound.max}},
                               {"per_fault_us", {sPerFault.median, sPerFault.min, sPerFault.max}}});
        }
        if (opt_.b6Counts.size() >= 2) {
            const std::size_t lo = opt_.b6Counts.front(), hi = opt_.b6Counts.back();
            const json p = {{"counts", {lo, hi}}, {"thp", thp}};
            report_.ratio("B6", fmt::format("{}, {} / {} mallocs, {}", perPageName, hi, lo, tag),
                          {std::to_string(hi), summarise(runs[hi].perPage)},
                          {std::to_string(lo), summarise(runs[lo].perPage)}, Goal{"<=", 1.2}, p);
            report_.add("B6", fmt::format("µs per fault, {} / {} mallocs, {}", hi, lo, tag), "×",
                        summarise(over(runs[hi].perFault, runs[lo].perFault)), Goal{"<=", 1.5}, p, Section::kOld);
        }
    }
    ::munmap(sink, kPage);
}

// B8 sequential first touch by the device, with the density prefetcher and
// without (prefetch_threshold 0).
void Bench::b8()
{
    const std::size_t bytes = opt_.b8Mib * kMiB;
    const double pages = static_cast<double>(bytes / kPage);
    const std::string path = tunables_ + "prefetch_threshold";
    const std::string current = readFile(path);
    // "With the prefetcher" is the threshold the device has, or the default
    // when someone turned it off.
    const std::string on = current != "0" ? current : "50";
    for (const std::string thp : {"never", "always"}) {
        ScopedSetting setting(kThpEnabled, thp);
        const std::string tag = thpTag(thp);
        std::vector<double> faults[2], times[2], prefetched, used; // [0] with, [1] without
        progress("B8: {}, {} repetitions", tag, opt_.reps);
        for (unsigned rep = 0; rep < opt_.reps; rep++) {
            auto side = [&](int off) {
                ScopedSetting threshold(path, off ? "0" : on);
                auto vm = newVm();
                char* src = freshMalloc(bytes);
                const auto c0 = counters(vm);
                times[off].push_back(
                    timeUs([&] { deviceReadPages(vm, src, bytes, sink_, kTouchBytes); }) / pages);
                const auto c1 = counters(vm);
                std::free(src); // the unmap zaps: prefetch_used counts the prefetched pages the device used
                const auto c2 = counters(vm);
                faults[off].push_back(static_cast<double>(c1.faults - c0.faults));
                if (!off) {
                    prefetched.push_back(static_cast<double>(c1.prefetched - c0.prefetched));
                    used.push_back(static_cast<double>(c2.prefetchUsed - c0.prefetchUsed));
                }
            };
            alternate(rep, {[&] { side(0); }, [&] { side(1); }});
        }
        const json p = {{"mib", opt_.b8Mib}, {"thp", thp}, {"prefetch_threshold", on}, {"touch_bytes", kTouchBytes}};
        const std::string v = fmt::format("{} MiB, {}", opt_.b8Mib, tag);
        const Stats fOn = summarise(faults[0]), fOff = summarise(faults[1]), tOn = summarise(times[0]),
                    tOff = summarise(times[1]);
        report_.add("B8", "faults with the prefetcher, " + v, "faults", fOn, std::nullopt, p);
        report_.add("B8", "faults without, " + v, "faults", fOff, std::nullopt, p);
        report_.add("B8", "µs/page with the prefetcher, " + v, "µs", tOn, std::nullopt, p);
        report_.add("B8", "µs/page without, " + v, "µs", tOff, std::nullopt, p);
        report_.add("B8", "pages prefetched, " + v, "pages", summarise(prefetched), std::nullopt, p);
        report_.add("B8", "of them used by the device, " + v, "pages", summarise(used), std::nullopt, p);
        // With THP a fault already maps 2 MiB: the goals are for 4 KiB pages.
        const bool goals = thp == "never";
        report_.ratio("B8", "faults without / with the prefetcher, " + v, {"without", fOff}, {"with", fOn},
                      goals ? std::optional<Goal>(Goal{">=", 10}) : std::nullopt, p);
        report_.ratio("B8", "time without / with the prefetcher, " + v, {"without", tOff}, {"with", tOn},
                      goals ? std::optional<Goal>(Goal{">=", 2}) : std::nullopt, p);
    }
}

// One B9 side: the aging tunable set, a fresh memory cgroup, a child
// forked to measure in it (its memory, VM and cgroup charges go with it).
B9Sample Bench::b9Side(const B9Plan& plan, bool aging) const
{
    ScopedSetting setting(tunables_ + "aging", aging ? "1" : "0");
    MemoryCgroup cgroup(plan.cgroup);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        die("B9: pipe: {}", std::strerror(errno));
    std::fflush(nullptr); // nothing buffered is written twice
    const pid_t pid = ::fork();
    if (pid < 0)
        die("B9: fork: {}", std::strerror(errno));
    if (pid == 0) {
        ::close(fds[0]);
        b9Child(device_, plan, fds[1]);
    }
    ::close(fds[1]);
    B9Sample sample;
    const bool got = readAll(fds[0], &sample, sizeof(sample));
    ::close(fds[0]);
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid)
        die("B9: waitpid: {}", std::strerror(errno));
    if (WIFSIGNALED(status))
        die("B9, aging {}: the measuring child was killed by signal {}{}", aging ? "on" : "off", WTERMSIG(status),
            WTERMSIG(status) == SIGKILL ? " (the cgroup's OOM killer?)" : "");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("B9, aging {}: the measuring child failed (status {:#x})", aging ? "on" : "off", status);
    if (!got)
        die("B9, aging {}: the measuring child sent no figures", aging ? "on" : "off");
    return sample;
}

// B9 device re-faults under memory pressure, aging on and off: the device
// reads half A over and over, nobody touches half B, and a memory cgroup
// squeezes both into swap on zram.
// B10: device memory (DOC: Device memory in docs/driver.rst).
//  a) device COPY bandwidth with both buffers in device memory against both
//     in system memory: the same memmove() in the copy engine, only what the
//     engine's mapping points at changes (vmalloc'd backing or the linear
//     map); alternating order. The allocator puts the destination's frames
//     exactly the buffer size after the source's, and so are their kernel
//     addresses: under TCG every byte of the copy then evicts the other
//     buffer's page from QEMU's direct-mapped software TLB. Both in device
//     memory one page further apart is the like-with-like side of the
//     ratio; the exact layout is reported beside it, and so are the mixed
//     placements (reads of device memory, writes to it).
//  b) migration bandwidth each way: a placement prefetch of the source to
//     the device (migrate_vma, the copy engines' copy of the pages, then
//     the mapping faults)
//     and back to system memory; these depend on each other, so they run in
//     that order.
//  c) a CPU touch of one page of a 2 MiB range in device memory, with
//     migrate_back_kb 0 (only that page moves) against 2048 (the whole range
//     moves), and the read of the whole range after that touch, which the
//     first policy pays for with one fault per remaining page.
void Bench::b10()
{
    auto caps = device_.queryParam(DRM_VSVM_PARAM_CAPABILITIES);
    if (!caps || !(*caps & DRM_VSVM_CAP_DEVICE_MEMORY)) {
        progress("B10 (device memory) skipped: the device has no memory of its own");
        return;
    }
    using Placement = vsvm::Vm::Placement;
    const std::size_t bytes = opt_.b10Mib * kMiB;
    auto vm = newVm();
    char* src = mapRegion(bytes);
    char* dst = mapRegion(bytes);
    // Device memory holds 4 KiB pages: system memory too, like with like.
    ::madvise(src, bytes, MADV_NOHUGEPAGE);
    ::madvise(dst, bytes, MADV_NOHUGEPAGE);
    std::memset(src, 5, bytes);
    std::memset(dst, 0, bytes);
    vsvm::CopyQueue queue(vm);
    auto copy = [&] {
        auto fence = check(queue.copy(dst, src, bytes), "B10 copy");
        auto result = check(fence.wait(), "B10 wait");
        if (!result.ok())
            die("B10 copy failed: {}", result.describe());
    };
    auto place = [&](Placement from, Placement to) {
        check(vm.prefetch(src, bytes, false, from), "B10 place source");
        check(vm.prefetch(dst, bytes, true, to), "B10 place destination");
    };
    const double gib = double(bytes) / double(1u << 30);
    std::vector<double> local, system, readLocal, writeLocal, localApart, toDevice, toSystem, localFaults;
    // One page of device memory between the buffers: see the spaced side below.
    char* spacer = mapRegion(kPage);
    std::memset(spacer, 1, kPage);
    progress("B10: {} MiB buffers, {} repetitions", opt_.b10Mib, opt_.reps);
    for (unsigned rep = 0; rep < opt_.reps; rep++) {
        // The mixed placements tell reads of device memory from writes.
        alternate(rep, {[&] {
                            place(Placement::Device, Placement::Device);
                            copy(); // every translation in place
                            Delta d{counters(vm), {}};
                            local.push_back(gib / (timeUs(copy) / 1e6));
                            d.after = counters(vm);
                            localFaults.push_back(static_cast<double>(d.faults()));
                        },
                        [&] {
                            place(Placement::Device, Placement::System);
                            copy();
                            readLocal.push_back(gib / (timeUs(copy) / 1e6));
                        },
                        [&] {
                            place(Placement::System, Placement::Device);
                            copy();
                            writeLocal.push_back(gib / (timeUs(copy) / 1e6));
                        },
                        [&] {
                            place(Placement::System, Placement::System);
                            copy();
                            system.push_back(gib / (timeUs(copy) / 1e6));
                        },
                        [&] {
                            // Both in device memory again, but the destination's frames
                            // one page further from the source's than the allocator
                            // would put them (exactly the buffer size apart).
                            place(Placement::System, Placement::System);
                            check(vm.prefetch(src, bytes, false, Placement::Device), "B10 place source");
                            check(vm.prefetch(spacer, kPage, false, Placement::Device), "B10 spacer");
                            check(vm.prefetch(dst, bytes, true, Placement::Device), "B10 place destination");
                            copy();
                            localApart.push_back(gib / (timeUs(copy) / 1e6));
                            check(vm.prefetch(spacer, kPage, false, Placement::System), "B10 spacer back");
                        }});
        check(vm.prefetch(src, bytes, false, Placement::System), "B10 source to system memory");
        toDevice.push_back(gib / (timeUs([&] {
                                      check(vm.prefetch(src, bytes, false, Placement::Device), "B10 to device");
                                  }) /
                                  1e6));
        toSystem.push_back(gib / (timeUs([&] {
                                      check(vm.prefetch(src, bytes, false, Placement::System), "B10 to system");
                                  }) /
                                  1e6));
    }
    if (std::memcmp(src, dst, bytes) != 0)
        die("B10: the device copy differs from its source");

    // c) one 2 MiB VMA: migrate_back_kb 2048 reaches all of it from any page.
    const std::size_t range = 2 * kMiB;
    char* r = mapRegion(range);
    ::madvise(r, range, MADV_NOHUGEPAGE);
    std::memset(r, 9, range);
    std::vector<double> touch[2], readAll[2];
    const char* kb[2] = {"0", "2048"};
    for (unsigned rep = 0; rep < opt_.reps; rep++) {
        for (unsigned i = 0; i < 2; i++) {
            const unsigned side = (rep % 2) ? 1 - i : i;
            ScopedSetting setting(tunables_ + "migrate_back_kb", kb[side]);
            check(vm.prefetch(r, range, false, Placement::Device), "B10 range to device");
            touch[side].push_back(timeUs([&] {
                volatile char c = r[range / 2];
                (void)c;
            }));
            readAll[side].push_back(timeUs([&] {
                unsigned long sum = 0;
                for (std::size_t off = 0; off < range; off += kPage)
                    sum += static_cast<unsigned char>(static_cast<volatile char*>(r)[off]);
                escape(&sum);
            }));
        }
    }
    ::munmap(r, range);
    ::munmap(src, bytes);
    ::munmap(dst, bytes);
    ::munmap(spacer, kPage);

    const json p = {{"mib", opt_.b10Mib}};
    const std::string v = fmt::format("{} MiB", opt_.b10Mib);
    const Stats sLocal = summarise(local), sSystem = summarise(system);
    const Stats sApart = summarise(localApart);
    report_.add("B10", "device copy, both buffers in device memory, one page apart, " + v, "GiB/s", sApart,
                std::nullopt, p);
    report_.add("B10", "device copy, both buffers in system memory, " + v, "GiB/s", sSystem, std::nullopt, p);
    report_.ratio("B10", "device-local / system-memory copy bandwidth, " + v, {"local", sApart},
                  {"system", sSystem}, std::nullopt, p);
    report_.add("B10", "device copy, both in device memory, exactly the buffer size apart (TCG TLB aliasing), " + v,
                "GiB/s", sLocal, std::nullopt, p);
    report_.add("B10", "device copy, source in device memory, destination in system memory, " + v, "GiB/s",
                summarise(readLocal), std::nullopt, p);
    report_.add("B10", "device copy, source in system memory, destination in device memory, " + v, "GiB/s",
                summarise(writeLocal), std::nullopt, p);
    report_.add("B10", "device faults per copy in device memory, " + v, "faults", summarise(localFaults),
                std::nullopt, p);
    report_.add("B10", "migration to the device (prefetch TO_DEVICE), " + v, "GiB/s", summarise(toDevice),
                std::nullopt, p);
    report_.add("B10", "migration to system memory (prefetch TO_SYSTEM), " + v, "GiB/s", summarise(toSystem),
                std::nullopt, p);
    const json q = {{"range_mib", 2}};
    const Stats sOne = summarise(touch[0]), sWhole = summarise(touch[1]);
    report_.add("B10", "CPU touch of 1 page of a 2 MiB device range, only that page moves back", "µs", sOne,
                std::nullopt, q);
    report_.add("B10", "CPU touch of 1 page of a 2 MiB device range, the whole range moves back", "µs", sWhole,
                std::nullopt, q);
    report_.ratio("B10", "CPU touch of 1 page: whole range / only the page", {"whole", sWhole}, {"page", sOne},
                  std::nullopt, q);
    report_.add("B10", "CPU read of the rest of the range after that touch, only the page moved", "µs",
                summarise(readAll[0]), std::nullopt, q);
    report_.add("B10", "CPU read of the rest of the range after that touch, the whole range moved", "µs",
                summarise(readAll[1]), std::nullopt, q);
}

void Bench::b9()
{
    const ZramSwap swap;
    if (!swap.ready()) {
        progress("B9 (device re-faults under memory pressure) skipped: it needs swap on {}, and {}.", kZram,
                 swap.why());
        return;
    }
    const MemoryCgroupRoot cgroups;
    if (!cgroups.ready()) {
        progress("B9 (device re-faults under memory pressure) skipped: it needs a memory cgroup, and {}.",
                 cgroups.why());
        return;
    }
    ScopedSetting thp(kThpEnabled, "never");
    B9Plan plan;
    plan.cgroup = kB9Cgroup;
    plan.half = opt_.b9Mib * kMiB;
    // For the default 8 MiB halves: 8 MiB written under a limit 6 MiB below
    // what the cgroup held, as the IGT test vsvm_mirror@aging does.
    plan.squeeze = plan.half;
    plan.margin = plan.half * 3 / 4;
    plan.seconds = opt_.b9Seconds;
    for (std::size_t off = 0; off < plan.half; off += kMiB) {
        plan.sumsA.push_back(patternChecksum(1, off, kMiB));
        plan.sumsB.push_back(patternChecksum(2, off, kMiB));
    }
    std::vector<B9Sample> samples[2]; // [0] aging on, [1] off
    progress("B9: {} MiB halves, {} s of pressure per side, THP off, {} repetitions", opt_.b9Mib, opt_.b9Seconds,
             opt_.reps);
    for (unsigned rep = 0; rep < opt_.reps; rep++)
        alternate(rep, {[&] { samples[0].push_back(b9Side(plan, true)); },
                        [&] { samples[1].push_back(b9Side(plan, false)); }});

    const double pages = static_cast<double>(plan.half / kPage);
    const json p = {{"mib_per_half", opt_.b9Mib},         {"seconds", opt_.b9Seconds},
                    {"squeeze_mib", plan.squeeze / kMiB}, {"margin_mib", plan.margin / kMiB},
                    {"read_mib_per_job", 1},              {"swap", "zram0"},
                    {"thp", "never"}};
    const std::string v = fmt::format("{} MiB halves, {} s of pressure, THP off", opt_.b9Mib, opt_.b9Seconds);
    Stats remapped[2];
    for (int off = 0; off < 2; off++) {
        const std::string a = off ? "aging off" : "aging on";
        std::vector<double> faults, mapped, resA, resB, mibs, queries, answers;
        for (const B9Sample& s : samples[off]) {
            faults.push_back(double(s.faults) / s.seconds);
            mapped.push_back(double(s.mapped4K) / s.seconds);
            resA.push_back(100.0 * double(s.residentA) / pages);
            resB.push_back(100.0 * double(s.residentB) / pages);
            mibs.push_back(double(s.mibRead) / s.seconds);
            queries.push_back(double(s.youngQueries));
            answers.push_back(double(s.youngAnswers));
            if (s.swappedA + s.swappedB == 0 && s.mapped4K == 0)
                progress("B9 WARNING: {}: nothing of A or B was evicted: no pressure to judge", a);
        }
        remapped[off] = summarise(mapped);
        json pa = p;
        pa["aging"] = off ? 0 : 1;
        report_.add("B9", "device faults per second of pressure, " + a + ", " + v, "faults/s", summarise(faults),
                    std::nullopt, pa);
        report_.add("B9", "4 KiB pages re-mapped per second (MAPPED_4K), " + a + ", " + v, "pages/s",
                    remapped[off], std::nullopt, pa);
        report_.add("B9", "A (read by the device) resident at the end, " + a + ", " + v, "%", summarise(resA),
                    std::nullopt, pa);
        report_.add("B9", "B (untouched) resident at the end, " + a + ", " + v, "%", summarise(resB), std::nullopt,
                    pa);
        report_.add("B9", "device read of A, " + a + ", " + v, "MiB/s", summarise(mibs), std::nullopt, pa);
        report_.add("B9", "young queries (reclaim asked the device), " + a + ", " + v, "queries",
                    summarise(queries), std::nullopt, pa);
        report_.add("B9", "young answers (the device had used the range), " + a + ", " + v, "answers",
                    summarise(answers), std::nullopt, pa);
    }
    // Issue 19 states no goal for this figure. With aging on the device
    // may re-map nothing at all: a median of 0 counts as 1 page per run.
    report_.ratio("B9",
                  "pages re-mapped per second, aging off / on (no goal; on counted as at least 1 page per run), " + v,
                  {"off", remapped[1]}, {"on", remapped[0]}, std::nullopt, p, 1.0 / opt_.b9Seconds);
}

json Bench::meta() const
{
    utsname u{};
    ::uname(&u);
    struct sysinfo si{};
    ::sysinfo(&si);
    std::string cpu = "unknown", flags;
    std::ifstream cpuinfo("/proc/cpuinfo");
    for (std::string line; std::getline(cpuinfo, line);) {
        if (line.starts_with("model name") && cpu == "unknown")
            cpu = line.substr(line.find(':') + 2);
        if (line.starts_with("flags") && flags.empty())
            flags = line.substr(line.find(':') + 1) + " ";
    }
    auto hasFlag = [&](const char* flag) { return flags.find(fmt::format(" {} ", flag)) != std::string::npos; };
    char date[64];
    const std::time_t t = std::time(nullptr);
    std::strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", std::gmtime(&t));
    json tunables = json::object();
    for (const char* name : {"event_policy", "fault_around_kb", "chunk_sizes", "notifier_window_mb", "huge_pages",
                             "tlb_entries", "prefetch_threshold", "aging"})
        tunables[name] = readFile(tunables_ + name);
    return {{"date", date},
            {"machine", opt_.machine},
            {"guest_kernel", std::string(u.release)},
            {"guest_cpu", cpu},
            {"guest_cpus", sysconf(_SC_NPROCESSORS_ONLN)},
            {"guest_mem_mib", si.totalram * si.mem_unit / kMiB},
            // The kernel's memmove, memcpy and copy_to_user take rep movsb with these.
            {"guest_copy_features", {{"erms", hasFlag("erms")}, {"fsrm", hasFlag("fsrm")}}},
            {"reps", opt_.reps},
            {"order", "alternating: vsvm first on even repetitions, its peer on odd ones"},
            {"comparisons", "ratio of the two sides' medians"},
            {"thp_default", selected(readFile(kThpEnabled))},
            {"tunables", tunables},
            {"runtime_s", (nowUs() - startUs_) / 1e6},
            {"sizes",
             {{"b1_mib", opt_.b1Mib},
              {"b2_mib", opt_.b2Mib},
              {"b3_mib", opt_.b3Mib},
              {"b4_mib", opt_.b4Mib},
              {"b5_floats", opt_.b5Floats},
              {"b6_counts", opt_.b6Counts},
              {"b8_mib", opt_.b8Mib},
              {"b9_mib", opt_.b9Mib},
              {"b9_seconds", opt_.b9Seconds},
              {"b10_mib", opt_.b10Mib}}}};
}

// results.md: the machine line, the goals, every figure, the old definitions.
std::string renderMarkdown(const Report& report, const Options& opt_, const json& m)
{
    const auto& copy = m["guest_copy_features"];
    const auto& tun = m["tunables"];
    std::string md = fmt::format(
        "# vsvm benchmarks\n\n{} on {}; guest kernel {} ({} CPUs, {} MiB, ERMS {}, FSRM {}). Runtime {:.0f} s.\n\n"
        "{} repetitions of every measurement; within each, vsvm and its peer alternate which runs first "
        "(vsvm on even repetitions). A figure is the median [min, max] of its repetitions; a comparison "
        "(× or share) is computed from the medians of its two sides (the ratio of medians), each side shown "
        "as median [min, max]. THP as each figure's name says (B1a, B1b, B6, B7, B8 with THP off and on; "
        "B2, B3, B9 off). Tunables: prefetch_threshold {}, event_policy {}, fault_around_kb {}, huge_pages {}, "
        "tlb_entries {}, aging {} (B9 sets it on and off). Which copy routine each figure's work uses: "
        "docs/benchmarks.rst, \"Copy routines\".\n",
        m["date"].get<std::string>(), opt_.machine.empty() ? m["guest_cpu"].get<std::string>() : opt_.machine,
        m["guest_kernel"].get<std::string>(), m["guest_cpus"].get<long>(), m["guest_mem_mib"].get<uint64_t>(),
        copy["erms"].get<bool>() ? "yes" : "no", copy["fsrm"].get<bool>() ? "yes" : "no",
        m["runtime_s"].get<double>(), opt_.reps, tun["prefetch_threshold"].get<std::string>(),
        tun["event_policy"].get<std::string>(), tun["fault_around_kb"].get<std::string>(),
        tun["huge_pages"].get<std::string>(), tun["tlb_entries"].get<std::string>(),
        tun["aging"].get<std::string>());
    auto table = [&](Section section, bool goalsOnly) {
        std::string t = section == Section::kNew
                            ? "\n| # | Figure | Value | Spread: median [min, max] | Unit | Goal | |\n"
                              "|---|---|---:|---|---|---|---|\n"
                            : "\n| # | Figure | Median | Spread: [min, max] | Unit | Old goal | |\n"
                              "|---|---|---:|---|---|---|---|\n";
        for (const auto& f : report.figures()) {
            if (f.section != section || (goalsOnly && !f.goal))
                continue;
            t += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", f.bench, f.name, number(f.value), f.spread(),
                             f.unit, f.goal ? f.goal->text() : "", f.goal ? (f.met() ? "met" : "**missed**") : "");
        }
        return t;
    };
    md += "\n## Goals (issue 15)\n" + table(Section::kNew, true) + "\n## Every figure\n" +
          table(Section::kNew, false) +
          "\n## Old definitions\n\nThe figures of the report before issue 15, from the same runs, computed as it "
          "computed them (a ratio or share per repetition, then the median), with its goals, to compare with "
          "earlier runs (docs/benchmarks-latest.md of 2026-11-23).\n" +
          table(Section::kOld, false);
    return md;
}

std::string Bench::markdown(const json& meta) const
{
    return renderMarkdown(report_, opt_, meta);
}

// gnuplot data: b1.dat has one block per THP setting (index 0: off, 1: on),
// b6.dat too, one line per count; each figure as median, min, max.
void Bench::writePlotData(const std::string& dir) const
{
    std::string b1 = "# mib, B1a fault cost in µs per page: vsvm(med min max) dmirror(med min max) "
                     "cpu_1byte(med min max)\n";
    std::string b6 = "# count per_page_us(med min max) pt_over_bound(med min max) per_fault_us(med min max)\n";
    for (const std::string thp : {"never", "always"}) {
        b1 += fmt::format("# {}\n", thpTag(thp));
        for (const auto& row : b1Plot_) {
            if (row["thp"] != thp)
                continue;
            b1 += fmt::format("{}", row["mib"].get<std::size_t>());
            for (const char* k : {"vsvm", "dmirror", "cpu"})
                for (const auto& v : row[k])
                    b1 += fmt::format(" {}", v.get<double>());
            b1 += "\n";
        }
        b1 += "\n\n";
        b6 += fmt::format("# {}\n", thpTag(thp));
        for (const auto& row : b6Plot_) {
            if (row["thp"] != thp)
                continue;
            b6 += fmt::format("{}", row["count"].get<std::size_t>());
            for (const char* k : {"per_page_us", "pt_over_bound", "per_fault_us"})
                for (const auto& v : row[k])
                    b6 += fmt::format(" {}", v.get<double>());
            b6 += "\n";
        }
        b6 += "\n\n";
    }
    writeText(dir + "/b1.dat", b1);
    writeText(dir + "/b6.dat", b6);
}

} // namespace

int main(int argc, char** argv)
{
    Options opt;
    CLI::App app{"vsvm benchmarks B1-B9 (docs/benchmarks.rst); run as root in the guest"};
    app.add_option("--reps", opt.reps, "repetitions of every measurement (default 11)")->check(CLI::PositiveNumber);
    app.add_option("--b1-mib", opt.b1Mib, "B1 sizes in MiB (multiples of 2; default 256)")
        ->check(CLI::Validator(
            [](const std::string& mib) {
                return mib.empty() || mib.find_first_not_of("0123456789") != std::string::npos ||
                               std::stoull(mib) == 0 || std::stoull(mib) % 2
                           ? "must be a positive multiple of 2, not " + mib
                           : std::string();
            },
            "MIB"));
    app.add_option("--b2-mib", opt.b2Mib, "B2 region in MiB");
    app.add_option("--b3-mib", opt.b3Mib, "B3 region in MiB");
    app.add_option("--b3-ops", opt.b3Ops, "B3 operations to time (default all)")
        ->check(CLI::IsMember({"munmap", "mprotect", "fork", "madvise"}));
    app.add_option("--b4-mib", opt.b4Mib, "B4 and B4b size in MiB (copy, fill, checksum)");
    app.add_option("--b5-floats", opt.b5Floats, "B5 saxpy elements");
    app.add_option("--b6-counts", opt.b6Counts, "B6 numbers of mallocs");
    app.add_option("--b8-mib", opt.b8Mib, "B8 region in MiB")->check(CLI::PositiveNumber);
    app.add_option("--b10-mib", opt.b10Mib, "B10 size of each buffer in MiB (default 64)");
    app.add_option("--b9-mib", opt.b9Mib, "B9 size of each half (A and B) in MiB (default 8)")
        ->check(CLI::Range(1, 1024));
    app.add_option("--b9-seconds", opt.b9Seconds, "B9 seconds of memory pressure per side (default 4)")
        ->check(CLI::Range(1, 600));
    app.add_option("--only", opt.only,
                   "run only these benchmarks (B1 ... B6, B8 ... B10; B1 also gives B7, B4 gives B4b, B5 gives "
                   "B5b)")
        ->check(CLI::IsMember({"B1", "B2", "B3", "B4", "B5", "B6", "B8", "B9", "B10"}));
    app.add_option("--out", opt.out, "directory for results.json, results.md, b1.dat, b6.dat");
    app.add_option("--machine", opt.machine, "description of the host, for the report");
    app.add_option("--dmirror", opt.dmirror, "test_hmm device file");
    app.add_option("--kernels", opt.kernels, "directory of saxpy.vsa");
    if (auto exitStatus = vsvm::tools::parseCommandLine(app, argc, argv))
        return *exitStatus;

    Bench bench(opt);
    if (bench.wanted("B1"))
        bench.b1();
    if (bench.wanted("B2"))
        bench.b2();
    if (bench.wanted("B3"))
        bench.b3();
    if (bench.wanted("B4"))
        bench.b4();
    if (bench.wanted("B5"))
        bench.b5();
    if (bench.wanted("B6"))
        bench.b6();
    if (bench.wanted("B8"))
        bench.b8();
    if (bench.wanted("B9"))
        bench.b9();
    if (bench.wanted("B10"))
        bench.b10();

    const json meta = bench.meta();
    const json results = {{"meta", meta}, {"figures", bench.report().toJson()}};
    writeText(opt.out + "/results.json", results.dump(2) + "\n");
    writeText(opt.out + "/results.md", bench.markdown(meta));
    bench.writePlotData(opt.out);
    return 0;
}

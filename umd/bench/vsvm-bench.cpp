// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// vsvm-bench: the benchmarks of docs/benchmarks.rst (B1-B7), run in one
// guest boot as root. Every figure is the median, minimum and maximum over
// --reps repetitions; ratios are taken within a repetition (the two sides
// measured back to back) and then summarised. Writes results.json,
// results.md and the plot data b1.dat and b6.dat to --out.
//
// Needs: vsvm loaded (with a job_timeout_ms long enough for 1 GiB jobs),
// test_hmm loaded for the dmirror side of B1, write access to sysfs (THP and
// the event_policy tunable) and /proc/self/clear_refs.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
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
const char* const kThpEnabled = "/sys/kernel/mm/transparent_hugepage/enabled";

template <typename... Args>
[[noreturn]] void die(fmt::format_string<Args...> format, Args&&... args)
{
    std::fprintf(stderr, "vsvm-bench: %s\n", fmt::format(format, std::forward<Args>(args)...).c_str());
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
    const int fd = ::open(path.c_str(), O_WRONLY);
    if (fd < 0 || ::write(fd, value.data(), value.size()) != static_cast<ssize_t>(value.size()))
        die("cannot write '{}' to {}: {}", value, path, std::strerror(errno));
    ::close(fd);
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

// A sysfs setting changed for the life of the object.
class ScopedSetting {
public:
    ScopedSetting(std::string path, const std::string& value)
        : path_(std::move(path)), old_(selected(readFile(path_)))
    {
        writeFile(path_, value);
    }
    ~ScopedSetting() { writeFile(path_, old_); }
    ScopedSetting(const ScopedSetting&) = delete;
    ScopedSetting& operator=(const ScopedSetting&) = delete;

private:
    std::string path_;
    std::string old_;
};

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

struct Goal {
    std::string op; // "<=" or ">="
    double value;
    bool met(double x) const { return op == "<=" ? x <= value : x >= value; }
    std::string text() const { return fmt::format("{} {}", op == "<=" ? "≤" : "≥", value); }
};

std::string number(double v)
{
    if (v != 0 && (std::abs(v) >= 1e6 || std::abs(v) < 1e-3))
        return fmt::format("{:.3g}", v);
    if (std::abs(v) >= 100)
        return fmt::format("{:.0f}", v);
    return fmt::format("{:.3g}", v);
}

// Every figure, in the order measured: the JSON and the table are made from it.
class Report {
public:
    void add(const std::string& bench, const std::string& name, const std::string& unit,
             const Stats& s, std::optional<Goal> goal = std::nullopt, json params = json::object())
    {
        json f = {{"bench", bench}, {"name", name},     {"unit", unit},
                  {"median", s.median}, {"min", s.min}, {"max", s.max},
                  {"samples", s.samples}, {"params", std::move(params)}};
        if (goal) {
            f["goal"] = goal->text();
            f["met"] = goal->met(s.median);
        }
        figures_.push_back(std::move(f));
        progress("{} {}: {} {} [{}, {}]{}", bench, name, number(s.median), unit, number(s.min),
                 number(s.max), goal ? fmt::format(" goal {} {}", goal->text(), goal->met(s.median) ? "met" : "MISSED") : "");
    }

    const json& figures() const { return figures_; }

private:
    json figures_ = json::array();
};

struct Delta {
    vsvm::VmCounters before;
    vsvm::VmCounters after;
    uint64_t faults() const { return after.faults - before.faults; }
    uint64_t faultNs() const { return after.faultNs - before.faultNs; }
    uint64_t hmmNs() const { return after.hmmNs - before.hmmNs; }
    uint64_t mapped2M() const { return after.mapped2M - before.mapped2M; }
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

void waitAll(std::vector<vsvm::Fence>& fences, std::string_view what)
{
    for (auto& fence : fences) {
        auto result = check(fence.wait(), what);
        if (!result.ok())
            die("{}: job failed: {}", what, result.describe());
    }
    fences.clear();
}

// The device reads every page of [base, base + bytes): one 4 KiB copy per
// page into the one (mirrored) sink page, 4096 pages per job.
void deviceReadPages(const vsvm::Vm& vm, const char* base, std::size_t bytes, char* sink)
{
    vsvm::CopyQueue queue(vm);
    std::vector<vsvm::CopyCommand> commands;
    commands.reserve(kBatchPages);
    std::vector<vsvm::Fence> fences;
    for (std::size_t off = 0; off < bytes; off += kPage) {
        commands.push_back(vsvm::CopyCommand::copy(sink, base + off, std::min(kPage, bytes - off)));
        if (commands.size() == kBatchPages || off + kPage >= bytes) {
            fences.push_back(check(queue.submit(commands), "copy job"));
            commands.clear();
        }
    }
    waitAll(fences, "device read");
}

// test_hmm's dmirror device reads the same pages through HMM_DMIRROR_READ,
// which faults them in and copies them to a bounce buffer, in 16 MiB calls.
uint64_t dmirrorRead(int fd, const char* base, std::size_t bytes, char* bounce)
{
    uint64_t faults = 0;
    for (std::size_t off = 0; off < bytes; off += kBatchPages * kPage) {
        const std::size_t chunk = std::min(kBatchPages * kPage, bytes - off);
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

void cpuReadPages(const char* base, std::size_t bytes)
{
    const volatile char* p = base;
    char sum = 0;
    for (std::size_t off = 0; off < bytes; off += kPage)
        sum = static_cast<char>(sum + p[off]);
    asm volatile("" : : "r"(sum));
}

struct Options {
    unsigned reps = 5;
    std::vector<std::size_t> b1Mib{64, 256, 1024};
    std::size_t b2Mib = 256;
    std::size_t b3Mib = 1024;
    std::size_t b4Mib = 1024;
    std::size_t b5Floats = 16u << 20;
    std::vector<std::size_t> b6Counts{1000, 10000, 100000};
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

    const Options& opt_;
    vsvm::Device device_;
    std::string tunables_;
    char* sink_ = nullptr;
    Report report_;
    json b1Plot_ = json::array();
    json b6Plot_ = json::array();
    double startUs_ = nowUs();
};

// B1 first touch (and B7, from the same runs).
void Bench::b1()
{
    const int dm = ::open(opt_.dmirror.c_str(), O_RDWR);
    if (dm < 0)
        die("open {}: {} (modprobe test_hmm)", opt_.dmirror, std::strerror(errno));
    char* bounce = mapRegion(kBatchPages * kPage);
    std::memset(bounce, 0, kBatchPages * kPage);
    for (const std::string thp : {"never", "always"}) {
        ScopedSetting setting(kThpEnabled, thp);
        const std::string tag = thp == "never" ? "THP off" : "THP on";
        for (const std::size_t mib : opt_.b1Mib) {
            const std::size_t bytes = mib * kMiB;
            const double pages = static_cast<double>(bytes / kPage);
            std::vector<double> vs, dmv, set, rd, rDm, rSet, faults, dmFaults, hmmShare, faultShare, perFault, huge;
            auto vm = newVm();
            for (unsigned rep = 0; rep < opt_.reps; rep++) {
                char* src = freshMalloc(bytes);
                Delta d{counters(vm), {}};
                vs.push_back(timeUs([&] { deviceReadPages(vm, src, bytes, sink_); }) / pages);
                d.after = counters(vm);
                std::free(src);
                faults.push_back(static_cast<double>(d.faults()));
                hmmShare.push_back(d.faultNs() ? double(d.hmmNs()) / double(d.faultNs()) : 0);
                faultShare.push_back(double(d.faultNs()) / 1000.0 / (vs.back() * pages));
                perFault.push_back(d.faults() ? double(d.faultNs()) / double(d.faults()) / 1000.0 : 0);
                huge.push_back(static_cast<double>(d.mapped2M()));

                src = freshMalloc(bytes);
                uint64_t f = 0;
                dmv.push_back(timeUs([&] { f = dmirrorRead(dm, src, bytes, bounce); }) / pages);
                dmFaults.push_back(static_cast<double>(f));
                std::free(src);

                src = freshMalloc(bytes);
                set.push_back(timeUs([&] { std::memset(src, 1, bytes); }) / pages);
                std::free(src);

                src = freshMalloc(bytes);
                rd.push_back(timeUs([&] { cpuReadPages(src, bytes); }) / pages);
                std::free(src);

                rDm.push_back(vs.back() / dmv.back());
                rSet.push_back(vs.back() / set.back());
            }
            const json p = {{"mib", mib}, {"thp", thp}};
            const std::string v = fmt::format("{} MiB, {}", mib, tag);
            const auto sVs = summarise(vs), sDm = summarise(dmv), sSet = summarise(set);
            report_.add("B1", "vsvm µs/page, " + v, "µs", sVs, std::nullopt, p);
            report_.add("B1", "dmirror µs/page, " + v, "µs", sDm, std::nullopt, p);
            report_.add("B1", "CPU memset µs/page, " + v, "µs", sSet, std::nullopt, p);
            report_.add("B1", "CPU read µs/page, " + v, "µs", summarise(rd), std::nullopt, p);
            report_.add("B1", "vsvm / dmirror, " + v, "×", summarise(rDm), Goal{"<=", 0.5}, p);
            report_.add("B1", "vsvm / CPU memset, " + v, "×", summarise(rSet), std::nullopt, p);
            report_.add("B1", "vsvm faults, " + v, "faults", summarise(faults), std::nullopt, p);
            report_.add("B1", "vsvm 2M device PTEs, " + v, "PTEs", summarise(huge), std::nullopt, p);
            report_.add("B1", "dmirror faults, " + v, "faults", summarise(dmFaults), std::nullopt, p);
            report_.add("B7", "fault time in hmm_range_fault, " + v, "share", summarise(hmmShare), std::nullopt, p);
            std::vector<double> driver;
            for (double h : hmmShare)
                driver.push_back(1 - h);
            report_.add("B7", "fault time in the driver, " + v, "share", summarise(driver), Goal{"<=", 0.25}, p);
            report_.add("B7", "µs per fault, " + v, "µs", summarise(perFault), std::nullopt, p);
            report_.add("B7", "fault handling / wall time, " + v, "share", summarise(faultShare), std::nullopt, p);
            b1Plot_.push_back({{"mib", mib}, {"thp", thp}, {"vsvm", {sVs.median, sVs.min, sVs.max}},
                               {"dmirror", {sDm.median, sDm.min, sDm.max}},
                               {"memset", {sSet.median, sSet.min, sSet.max}}});
        }
    }
    ::munmap(bounce, kBatchPages * kPage);
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
        {"mprotect read-only", [bytes](char* p) {
             if (::mprotect(p, bytes, PROT_READ) != 0)
                 die("mprotect: {}", std::strerror(errno));
         }},
    };
    for (const auto& event : events) {
        std::vector<double> faults[2], times[2], rFaults, rTime;
        const char* policies[2] = {"precise", "zap_all"};
        for (unsigned rep = 0; rep < opt_.reps; rep++) {
            for (int pol = 0; pol < 2; pol++) {
                ScopedSetting policy(tunables_ + "event_policy", policies[pol]);
                auto vm = newVm();
                char* p = mapRegion(bytes);
                std::memset(p, 1, bytes);
                deviceReadPages(vm, p, bytes, sink_);
                event.run(p);
                Delta d{counters(vm), {}};
                times[pol].push_back(timeUs([&] { deviceReadPages(vm, p, bytes, sink_); }) / pages);
                d.after = counters(vm);
                faults[pol].push_back(static_cast<double>(d.faults()));
                ::munmap(p, bytes);
            }
            // precise may take no fault at all: count it as one.
            rFaults.push_back(faults[1].back() / std::max(1.0, faults[0].back()));
            rTime.push_back(times[1].back() / times[0].back());
        }
        const json p = {{"mib", opt_.b2Mib}, {"event", event.name}};
        const std::string v = fmt::format("after {}, {} MiB", event.name, opt_.b2Mib);
        report_.add("B2", "faults, precise, " + v, "faults", summarise(faults[0]), std::nullopt, p);
        report_.add("B2", "faults, zap_all, " + v, "faults", summarise(faults[1]), std::nullopt, p);
        report_.add("B2", "µs/page, precise, " + v, "µs", summarise(times[0]), std::nullopt, p);
        report_.add("B2", "µs/page, zap_all, " + v, "µs", summarise(times[1]), std::nullopt, p);
        report_.add("B2", "faults zap_all / precise, " + v, "×", summarise(rFaults),
                    Goal{">=", 10}, p);
        report_.add("B2", "time zap_all / precise, " + v, "×", summarise(rTime), std::nullopt, p);
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
    };
    const std::vector<Op> ops = {
        {"munmap", [bytes](char* p) { ::munmap(p, bytes); }, true},
        {"mprotect read-only", [bytes](char* p) { ::mprotect(p, bytes, PROT_READ); }, false},
        {"fork", [](char*) {
             const pid_t pid = ::fork();
             if (pid == 0)
                 ::_exit(0);
             if (pid < 0)
                 die("fork: {}", std::strerror(errno));
         }, false},
        {"madvise DONTNEED", [bytes](char* p) { ::madvise(p, bytes, MADV_DONTNEED); }, false},
    };
    for (const auto& op : ops) {
        std::vector<double> t[2], ratio;
        for (unsigned rep = 0; rep < opt_.reps; rep++) {
            for (int mirrored = 0; mirrored < 2; mirrored++) {
                auto vm = newVm();
                char* p = mapRegion(bytes);
                std::memset(p, 1, bytes);
                if (mirrored)
                    check(vm.prefetch(p, bytes, true), "prefetch B3 region");
                t[mirrored].push_back(timeUs([&] { op.run(p); }));
                ::wait(nullptr); // the fork child, if any
                if (!op.unmaps)
                    ::munmap(p, bytes);
            }
            ratio.push_back(t[1].back() / t[0].back());
        }
        const json p = {{"mib", opt_.b3Mib}, {"op", op.name}};
        const std::string v = fmt::format("{} of {} MiB", op.name, opt_.b3Mib);
        report_.add("B3", "never mirrored, " + v, "µs", summarise(t[0]), std::nullopt, p);
        report_.add("B3", "fully mirrored, " + v, "µs", summarise(t[1]), std::nullopt, p);
        report_.add("B3", "mirrored / never mirrored, " + v, "×", summarise(ratio), Goal{"<=", 1.10}, p);
    }
}

// B4 steady-state copy bandwidth on warm memory.
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
    copy(); // warm the TLB and every path once
    if (std::memcmp(src, dst, bytes) != 0)
        die("B4: the device copy differs from its source");
    std::vector<double> dev, cpu, ratio, faults;
    const double gib = double(bytes) / double(1u << 30);
    for (unsigned rep = 0; rep < opt_.reps; rep++) {
        Delta d{counters(vm), {}};
        dev.push_back(gib / (timeUs(copy) / 1e6));
        d.after = counters(vm);
        faults.push_back(static_cast<double>(d.faults()));
        cpu.push_back(gib / (timeUs([&] { std::memcpy(dst, src, bytes); }) / 1e6));
        ratio.push_back(dev.back() / cpu.back());
    }
    const json p = {{"mib", opt_.b4Mib}};
    const std::string v = fmt::format("{} MiB warm", opt_.b4Mib);
    report_.add("B4", "device copy, " + v, "GiB/s", summarise(dev), std::nullopt, p);
    report_.add("B4", "CPU memcpy, " + v, "GiB/s", summarise(cpu), std::nullopt, p);
    report_.add("B4", "device / memcpy bandwidth, " + v, "×", summarise(ratio), Goal{">=", 0.8}, p);
    report_.add("B4", "device faults per copy, " + v, "faults", summarise(faults), std::nullopt, p);
    ::munmap(src, bytes);
    ::munmap(dst, bytes);
}

// B5 saxpy on the compute engines against a plain loop.
void Bench::b5()
{
    const auto n = static_cast<uint32_t>(opt_.b5Floats);
    const float a = 2.0f;
    auto kernel = check(vsvm::Kernel::fromAssembly(readFile(opt_.kernels + "/saxpy.vsa")), "assemble saxpy");
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
    };
    std::vector<double> dev, host, ratio;
    for (unsigned rep = 0; rep < opt_.reps; rep++) {
        y = y0;
        dev.push_back(timeUs(device) / 1000.0);
        for (uint32_t i = 0; i < n; i++)
            if (y[i] != a * x[i] + 1.0f)
                die("saxpy: y[{}] = {}, expected {}", i, y[i], a * x[i] + 1.0f);
        y = y0;
        host.push_back(timeUs(cpu) / 1000.0);
        ratio.push_back(dev.back() / host.back());
    }
    const json p = {{"floats", n}};
    const std::string v = n % (1u << 20) ? fmt::format("{} floats", n) : fmt::format("{} M floats", n >> 20);
    report_.add("B5", "compute engines saxpy, " + v, "ms", summarise(dev), std::nullopt, p);
    report_.add("B5", "CPU loop saxpy, " + v, "ms", summarise(host), std::nullopt, p);
    report_.add("B5", "compute / CPU time, " + v, "×", summarise(ratio), std::nullopt, p);
}

// B6 many small mallocs touched by the device.
void Bench::b6()
{
    constexpr std::size_t kObject = 64;
    for (const std::size_t count : opt_.b6Counts) {
        std::vector<double> perFault, wallPerObject, faults, notifiers, ptBytes, ptRatio, mirrored;
        for (unsigned rep = 0; rep < opt_.reps; rep++) {
            auto vm = newVm();
            std::vector<char*> objects(count);
            for (std::size_t i = 0; i < count; i++) {
                objects[i] = static_cast<char*>(std::malloc(kObject));
                if (!objects[i])
                    die("malloc failed");
                std::memset(objects[i], static_cast<int>(i), kObject);
            }
            vsvm::CopyQueue queue(vm);
            std::vector<vsvm::CopyCommand> commands;
            std::vector<vsvm::Fence> fences;
            Delta d{counters(vm), {}};
            const double us = timeUs([&] {
                for (std::size_t i = 0; i < count; i++) {
                    commands.push_back(vsvm::CopyCommand::copy(sink_ + (i % (kPage / kObject)) * kObject,
                                                               objects[i], kObject));
                    if (commands.size() == kBatchPages || i + 1 == count) {
                        fences.push_back(check(queue.submit(commands), "B6 copy job"));
                        commands.clear();
                    }
                }
                waitAll(fences, "B6");
            });
            d.after = counters(vm);
            faults.push_back(static_cast<double>(d.faults()));
            perFault.push_back(d.faults() ? double(d.faultNs()) / double(d.faults()) / 1000.0 : 0);
            wallPerObject.push_back(us / double(count));
            notifiers.push_back(static_cast<double>(d.after.notifiersAlive));
            ptBytes.push_back(static_cast<double>(d.after.ptBytes));
            const double mapped = double(d.after.mapped4K) * kPage + double(d.after.mapped2M) * kHuge;
            mirrored.push_back(mapped);
            ptRatio.push_back(double(d.after.ptBytes) / mapped);
            for (char* o : objects)
                std::free(o);
        }
        const json p = {{"count", count}, {"object_bytes", kObject}};
        const std::string v = fmt::format("{} mallocs", count);
        const auto sPer = summarise(perFault), sPt = summarise(ptRatio), sWall = summarise(wallPerObject);
        report_.add("B6", "device faults, " + v, "faults", summarise(faults), std::nullopt, p);
        report_.add("B6", "µs per fault (fault handling), " + v, "µs", sPer, std::nullopt, p);
        report_.add("B6", "µs per malloc touched (wall), " + v, "µs", sWall, std::nullopt, p);
        report_.add("B6", "notifiers alive, " + v, "notifiers", summarise(notifiers), std::nullopt, p);
        report_.add("B6", "page-table bytes, " + v, "bytes", summarise(ptBytes), std::nullopt, p);
        report_.add("B6", "mirrored bytes, " + v, "bytes", summarise(mirrored), std::nullopt, p);
        report_.add("B6", "page-table bytes / mirrored byte, " + v, "ratio", sPt, Goal{"<=", 0.003}, p);
        b6Plot_.push_back({{"count", count}, {"per_fault_us", {sPer.median, sPer.min, sPer.max}},
                           {"pt_ratio", {sPt.median, sPt.min, sPt.max}},
                           {"wall_per_malloc_us", {sWall.median, sWall.min, sWall.max}}});
    }
    // Flatness: the per-fault time at the largest N over that at the smallest, per repetition.
    if (b6Plot_.size() >= 2) {
        const auto& figs = report_.figures();
        std::vector<const json*> per;
        for (const auto& f : figs)
            if (f["bench"] == "B6" && f["name"].get<std::string>().starts_with("µs per fault"))
                per.push_back(&f);
        const auto& lo = (*per.front())["samples"];
        const auto& hi = (*per.back())["samples"];
        std::vector<double> ratio;
        for (std::size_t i = 0; i < std::min(lo.size(), hi.size()); i++)
            ratio.push_back(hi[i].get<double>() / lo[i].get<double>());
        report_.add("B6",
                    fmt::format("µs per fault, {} / {} mallocs", opt_.b6Counts.back(), opt_.b6Counts.front()),
                    "×", summarise(ratio), Goal{"<=", 1.5});
    }
}

json Bench::meta() const
{
    utsname u{};
    ::uname(&u);
    struct sysinfo si{};
    ::sysinfo(&si);
    std::string cpu = "unknown";
    std::ifstream cpuinfo("/proc/cpuinfo");
    for (std::string line; std::getline(cpuinfo, line);)
        if (line.starts_with("model name")) {
            cpu = line.substr(line.find(':') + 2);
            break;
        }
    char date[64];
    const std::time_t t = std::time(nullptr);
    std::strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", std::gmtime(&t));
    json tunables = json::object();
    for (const char* name : {"event_policy", "fault_around_kb", "chunk_sizes", "notifier_window_mb",
                             "huge_pages", "tlb_entries"})
        tunables[name] = readFile(tunables_ + name);
    return {{"date", date},
            {"machine", opt_.machine},
            {"guest_kernel", std::string(u.release)},
            {"guest_cpu", cpu},
            {"guest_cpus", sysconf(_SC_NPROCESSORS_ONLN)},
            {"guest_mem_mib", si.totalram * si.mem_unit / kMiB},
            {"reps", opt_.reps},
            {"thp_default", selected(readFile(kThpEnabled))},
            {"tunables", tunables},
            {"runtime_s", (nowUs() - startUs_) / 1e6},
            {"sizes",
             {{"b1_mib", opt_.b1Mib},
              {"b2_mib", opt_.b2Mib},
              {"b3_mib", opt_.b3Mib},
              {"b4_mib", opt_.b4Mib},
              {"b5_floats", opt_.b5Floats},
              {"b6_counts", opt_.b6Counts}}}};
}

std::string Bench::markdown(const json& m) const
{
    std::string md = fmt::format(
        "# vsvm benchmarks\n\n{} on {}; guest kernel {} ({} CPUs, {} MiB), {} repetitions: "
        "median [min, max]. Ratios are taken within each repetition. Runtime {:.0f} s.\n",
        m["date"].get<std::string>(), opt_.machine.empty() ? m["guest_cpu"].get<std::string>() : opt_.machine,
        m["guest_kernel"].get<std::string>(), m["guest_cpus"].get<long>(), m["guest_mem_mib"].get<uint64_t>(),
        opt_.reps, m["runtime_s"].get<double>());
    auto table = [&](bool goalsOnly) {
        std::string t = "\n| # | Figure | Median | Min | Max | Unit | Goal | |\n"
                        "|---|---|---:|---:|---:|---|---|---|\n";
        for (const auto& f : report_.figures()) {
            const bool hasGoal = f.contains("goal");
            if (goalsOnly && !hasGoal)
                continue;
            t += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", f["bench"].get<std::string>(),
                             f["name"].get<std::string>(), number(f["median"]), number(f["min"]),
                             number(f["max"]), f["unit"].get<std::string>(),
                             hasGoal ? f["goal"].get<std::string>() : "",
                             hasGoal ? (f["met"].get<bool>() ? "met" : "**missed**") : "");
        }
        return t;
    };
    md += "\n## Goals\n" + table(true) + "\n## Every figure\n" + table(false);
    return md;
}

// gnuplot data: b1.dat has one block per THP setting (index 0: off, 1: on),
// b6.dat one line per count; each figure as median, min, max.
void Bench::writePlotData(const std::string& dir) const
{
    std::string b1 = "# mib vsvm(med min max) dmirror(med min max) memset(med min max), µs per page\n";
    for (const std::string thp : {"never", "always"}) {
        b1 += fmt::format("# THP {}\n", thp == "never" ? "off" : "on");
        for (const auto& row : b1Plot_) {
            if (row["thp"] != thp)
                continue;
            b1 += fmt::format("{}", row["mib"].get<std::size_t>());
            for (const char* k : {"vsvm", "dmirror", "memset"})
                for (const auto& v : row[k])
                    b1 += fmt::format(" {}", v.get<double>());
            b1 += "\n";
        }
        b1 += "\n\n";
    }
    std::string b6 = "# count per_fault_us(med min max) pt_ratio(med min max) wall_per_malloc_us(med min max)\n";
    for (const auto& row : b6Plot_) {
        b6 += fmt::format("{}", row["count"].get<std::size_t>());
        for (const char* k : {"per_fault_us", "pt_ratio", "wall_per_malloc_us"})
            for (const auto& v : row[k])
                b6 += fmt::format(" {}", v.get<double>());
        b6 += "\n";
    }
    writeText(dir + "/b1.dat", b1);
    writeText(dir + "/b6.dat", b6);
}

} // namespace

int main(int argc, char** argv)
{
    Options opt;
    CLI::App app{"vsvm benchmarks B1-B7 (docs/benchmarks.rst); run as root in the guest"};
    app.add_option("--reps", opt.reps, "repetitions of every measurement (at least 1)")->check(CLI::PositiveNumber);
    app.add_option("--b1-mib", opt.b1Mib, "B1 sizes in MiB (multiples of 2)")
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
    app.add_option("--b4-mib", opt.b4Mib, "B4 copy size in MiB");
    app.add_option("--b5-floats", opt.b5Floats, "B5 saxpy elements");
    app.add_option("--b6-counts", opt.b6Counts, "B6 numbers of mallocs");
    app.add_option("--only", opt.only, "run only these benchmarks (B1 ... B6; B7 comes with B1)")
        ->check(CLI::IsMember({"B1", "B2", "B3", "B4", "B5", "B6"}));
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

    const json meta = bench.meta();
    const json results = {{"meta", meta}, {"figures", bench.report().figures()}};
    writeText(opt.out + "/results.json", results.dump(2) + "\n");
    writeText(opt.out + "/results.md", bench.markdown(meta));
    bench.writePlotData(opt.out);
    return 0;
}

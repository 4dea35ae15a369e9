// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors
//
// vsvm-soak: CPU-side address-space changes racing device access, for a
// fixed time, with the data checked at every sync point.
//
// Several processes, each with several worker threads and one chaos thread.
// Every worker owns a region (anonymous with THP, anonymous, or a shared
// memfd) and a VM of its own, and knows what each page of its region must
// hold. A worker step is one of:
//
//  - a device fill, a device checksum or device atomics (racing CPU atomics
//    on the same words) while the worker changes the region in a way that
//    keeps its contents: mprotect, MADV_COLD/PAGEOUT, fork, clear_refs,
//    move_pages/mbind to the other NUMA node, MADV_COLLAPSE. The job must
//    end OK (or RETRIES, counted and redone) and the data must match exactly.
//  - a change that destroys contents (MADV_DONTNEED, munmap and remap,
//    mremap to another place, mprotect read-only), after which the expected
//    state is re-established, and device access to what is gone (or
//    read-only) must end with a FAULT at the right address, not with data.
//  - fork with copy-on-write checks: device writes in the parent after the
//    fork are not seen by the child.
//  - munmap racing a device fill: the job ends OK or FAULT, nothing else.
//
// The chaos thread forks, writes clear_refs, compacts memory and migrates
// the whole process between NUMA nodes, racing every worker.
//
// Output: one "soak:" summary line (operations, device faults, retries,
// invalidations by event, mismatches); exit status 0 when nothing mismatched.

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "vsvm/runtime.h"

#include "stress_util.h"

namespace {

namespace stress = vsvm::stress;

using namespace std::chrono_literals;

constexpr size_t kPage = 4096;
constexpr size_t kRegion = 2 << 20;          // one worker's region
constexpr size_t kPages = kRegion / kPage;
constexpr size_t kSlot = 8 << 20;            // the region moves between two slots
constexpr unsigned kCounters = 64;           // u32 counters in page 0
constexpr auto kJobTimeout = 120s;

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
constexpr int kMpolDefault = 0, kMpolBind = 2, kMpolMfMove = 2;

// The soak's generator: its salt keeps it apart from the fuzzer's.
struct Rng : stress::Rng {
    explicit Rng(uint64_t seed) : stress::Rng(seed, 0x50a6) {}
};

// Operations, counted per kind.
enum Op : unsigned {
    // worker steps
    OpFillRace, OpChecksumRace, OpAtomicsRace, OpDontneed, OpMunmapRemap, OpMremapMove,
    OpReadOnlyWrite, OpForkCow, OpMunmapRace, OpMremapSplit,
    // content-preserving changes racing a job
    OpMprotect, OpMprotectRo, OpCold, OpPageout, OpFork, OpClearRefs, OpMovePages, OpMbind,
    OpCollapse,
    // chaos thread
    OpChaosFork, OpChaosClearRefs, OpChaosCompact, OpChaosMigrate,
    NumOps
};
const char* const kOpNames[NumOps] = {
    "fill-race", "checksum-race", "atomics-race", "dontneed", "munmap-remap", "mremap-move",
    "read-only-write", "fork-cow", "munmap-race", "mremap-not-one-vma",
    "mprotect", "mprotect-ro", "cold", "pageout", "fork", "clear-refs", "move-pages", "mbind",
    "collapse",
    "chaos-fork", "chaos-clear-refs", "chaos-compact", "chaos-migrate-pages",
};

// What a process reports to the supervisor (plain data, through a pipe).
struct Report {
    uint64_t ops[NumOps] = {};
    uint64_t jobs = 0, jobRetries = 0, expectedFaults = 0, mismatches = 0, unexpected = 0;
    uint64_t verifiedBytes = 0, errors = 0;
    uint64_t vm[DRM_VSVM_COUNTER_COUNT] = {};

    void add(const Report& o)
    {
        for (unsigned i = 0; i < NumOps; i++)
            ops[i] += o.ops[i];
        jobs += o.jobs, jobRetries += o.jobRetries, expectedFaults += o.expectedFaults;
        mismatches += o.mismatches, unexpected += o.unexpected, verifiedBytes += o.verifiedBytes;
        errors += o.errors;
        for (unsigned i = 0; i < DRM_VSVM_COUNTER_COUNT; i++)
            vm[i] += o.vm[i];
    }
};

// Counters shared by the threads of one process.
struct Shared {
    std::array<std::atomic<uint64_t>, NumOps> ops{};
    std::atomic<uint64_t> jobs{0}, jobRetries{0}, expectedFaults{0}, mismatches{0}, unexpected{0};
    std::atomic<uint64_t> verifiedBytes{0}, errors{0};
    std::atomic<bool> stop{false};
    int numaNodes = 1;
    unsigned process = 0;
};

using stress::fnvStep;

int numaNodes()
{
    int n = 0;
    while (access(fmt::format("/sys/devices/system/node/node{}", n).c_str(), F_OK) == 0)
        n++;
    return n ? n : 1;
}

void writeFile(const char* path, const char* text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t ignored = write(fd, text, strlen(text));
        (void)ignored;
        close(fd);
    }
}

const char* kAtomicsSource = R"(
; s0 = counters (u32[64]): counters[global id & 63] += 1, with device atomics
        s_mov s5, 1
        s_mov s6, 63
        v_and_b32 v1, v0, s6
        v_shl_b64 v1, v1, 2
        v_add_u64 v1, v1, s0
        v_atomic_add_b32 v2, v1, s5
        s_endpgm
)";

enum class Kind { AnonThp, Anon, Shmem };

class Worker {
public:
    Worker(Shared& shared, const vsvm::Device& device, const vsvm::Kernel& atomics, unsigned index,
           uint64_t seed)
        : sh_(shared), device_(device), atomics_(atomics), index_(index), rng_(seed),
          kind_(Kind(index % 3))
    {
    }

    bool setUp();
    void run();
    void tearDown();
    vsvm::VmCounters counters() const
    {
        auto c = vm_->counters();
        return c ? *c : vsvm::VmCounters{};
    }

private:
    uint8_t* page(size_t p) const { return region_ + p * kPage; }
    void tally(Op op) { sh_.ops[op]++; }
    void mismatch(const std::string& what)
    {
        if (sh_.mismatches++ < 20)
            fmt::print(stderr, "vsvm-soak: process {} worker {}: MISMATCH: {}\n", sh_.process, index_, what);
    }
    void unexpected(const std::string& what)
    {
        if (sh_.unexpected++ < 20)
            fmt::print(stderr, "vsvm-soak: process {} worker {}: UNEXPECTED: {}\n", sh_.process, index_, what);
    }

    bool mapAt(uint8_t* at, size_t offset, size_t len);
    void randomRange(size_t& first, size_t& count);
    void expectPattern(size_t first, size_t count, uint64_t value);
    void cpuWrite(size_t first, size_t count, uint64_t value);
    bool cpuCheck(size_t first, size_t count, const char* after);
    uint64_t expectedChecksum(size_t first, size_t count) const;
    bool checkCounters(const char* after);

    // A content-preserving change of [first, first + count) pages; with
    // @p readOnlyOk the range may be read-only for a moment.
    void preserve(size_t first, size_t count, bool readOnlyOk);
    std::optional<vsvm::JobResult> waitJob(const vsvm::Fence& fence, const char* what);
    // Runs @p submit until it ends OK, counting RETRIES; racing @p race on the first try.
    bool runOk(const std::function<vsvm::Result<vsvm::Fence>()>& submit, const std::function<void()>& race,
               const char* what);
    // A job that must fault at @p addr with @p access.
    void expectFault(vsvm::Result<vsvm::Fence> fence, uint64_t addr, vsvm::Access access, const char* what);
    bool deviceVerify(size_t first, size_t count, const char* after,
                      const std::function<void()>& race = nullptr);

    void fillRace();
    void checksumRace();
    void atomicsRace();
    void dontneed();
    void munmapRemap();
    void mremapMove();
    void readOnlyWrite();
    void forkCow();
    void munmapRace();

    Shared& sh_;
    const vsvm::Device& device_;
    const vsvm::Kernel& atomics_;
    unsigned index_;
    Rng rng_;
    Kind kind_;
    std::optional<vsvm::Vm> vm_;
    std::optional<vsvm::CopyQueue> copy_;
    std::optional<vsvm::ComputeQueue> compute_;
    uint8_t* reserve_ = nullptr; // two slots, PROT_NONE around
    uint8_t* slots_[2] = {};
    unsigned slot_ = 0;
    uint8_t* region_ = nullptr;
    int memfd_ = -1;
    uint64_t* result_ = nullptr; // checksum results, outside the region
    std::vector<uint64_t> expect_; // per page: the fill pattern, 0 for zeros
    std::array<uint32_t, kCounters> counters_{};
};

bool Worker::mapAt(uint8_t* at, size_t offset, size_t len)
{
    void* p;
    if (kind_ == Kind::Shmem)
        p = mmap(at, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, memfd_, off_t(offset));
    else
        p = mmap(at, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (p == MAP_FAILED)
        return false;
    madvise(at, len, kind_ == Kind::AnonThp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    return true;
}

bool Worker::setUp()
{
    auto vm = vsvm::Vm::create(device_);
    if (!vm) {
        fmt::print(stderr, "vsvm-soak: {}\n", vm.status().message());
        return false;
    }
    vm_.emplace(std::move(*vm));
    copy_.emplace(*vm_);
    compute_.emplace(*vm_);
    // Slots 2 MiB aligned, at 2 MiB and 12 MiB of a 24 MiB reservation.
    void* r = mmap(nullptr, 3 * kSlot, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED)
        return false;
    reserve_ = static_cast<uint8_t*>(r);
    uint8_t* aligned = reinterpret_cast<uint8_t*>((uintptr_t(reserve_) + kRegion - 1) & ~(kRegion - 1));
    slots_[0] = aligned + kRegion;
    slots_[1] = aligned + kRegion + 10 * (1 << 20);
    if (kind_ == Kind::Shmem) {
        memfd_ = memfd_create("vsvm-soak", MFD_CLOEXEC);
        if (memfd_ < 0 || ftruncate(memfd_, kRegion))
            return false;
    }
    region_ = slots_[0];
    if (!mapAt(region_, 0, kRegion))
        return false;
    result_ = static_cast<uint64_t*>(mmap(nullptr, kPage, PROT_READ | PROT_WRITE,
                                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (result_ == MAP_FAILED)
        return false;
    expect_.assign(kPages, 0);
    return true;
}

void Worker::tearDown()
{
    compute_.reset();
    copy_.reset();
    vm_.reset();
    munmap(reserve_, 3 * kSlot);
    munmap(result_, kPage);
    if (memfd_ >= 0)
        close(memfd_);
}

void Worker::randomRange(size_t& first, size_t& count)
{
    if (rng_.chance(15)) {
        first = 1;
        count = kPages - 1;
        return;
    }
    first = 1 + rng_.below(kPages - 1);
    count = 1 + rng_.below(std::min<size_t>(64, kPages - first));
}

void Worker::expectPattern(size_t first, size_t count, uint64_t value)
{
    for (size_t p = first; p < first + count; p++)
        expect_[p] = value;
}

void Worker::cpuWrite(size_t first, size_t count, uint64_t value)
{
    for (size_t p = first; p < first + count; p++) {
        auto* w = reinterpret_cast<uint64_t*>(page(p));
        for (size_t i = 0; i < kPage / 8; i++)
            w[i] = value;
    }
    expectPattern(first, count, value);
}

bool Worker::cpuCheck(size_t first, size_t count, const char* after)
{
    for (size_t p = first; p < first + count; p++) {
        const auto* w = reinterpret_cast<const uint64_t*>(page(p));
        for (size_t i = 0; i < kPage / 8; i++) {
            if (w[i] != expect_[p]) {
                mismatch(fmt::format("after {}: page {} word {} is {:#x}, expected {:#x}", after, p, i,
                                     w[i], expect_[p]));
                return false;
            }
        }
    }
    sh_.verifiedBytes += count * kPage;
    return true;
}

uint64_t Worker::expectedChecksum(size_t first, size_t count) const
{
    uint64_t h = stress::kFnvBasis;
    std::array<uint64_t, kPage / 8> words;
    for (size_t p = first; p < first + count; p++) {
        words.fill(expect_[p]);
        h = fnvStep(h, reinterpret_cast<const uint8_t*>(words.data()), kPage);
    }
    return h;
}

bool Worker::checkCounters(const char* after)
{
    const auto* c = reinterpret_cast<const uint32_t*>(page(0));
    for (unsigned i = 0; i < kCounters; i++) {
        if (c[i] != counters_[i]) {
            mismatch(fmt::format("after {}: counter {} is {}, expected {}", after, i, c[i], counters_[i]));
            return false;
        }
    }
    return true;
}

void Worker::preserve(size_t first, size_t count, bool readOnlyOk)
{
    uint8_t* a = page(first);
    size_t len = count * kPage;
    switch (rng_.below(readOnlyOk ? 9 : 8)) {
    case 0:
        tally(OpMprotect);
        mprotect(a, len, PROT_READ | PROT_WRITE | PROT_EXEC);
        mprotect(a, len, PROT_READ | PROT_WRITE);
        break;
    case 1:
        tally(OpCold);
        madvise(a, len, MADV_COLD);
        break;
    case 2:
        tally(OpPageout);
        madvise(a, len, MADV_PAGEOUT);
        break;
    case 3: {
        // The child writes its copy of every private page: copy-on-write
        // must keep that from the parent (and from the device's view of the
        // parent). Shared memory is the parent's too: the child only reads it.
        tally(OpFork);
        bool shared = kind_ == Kind::Shmem;
        pid_t pid = fork();
        if (pid == 0) {
            uint8_t sum = 0;
            for (size_t p = 0; p < count; p++) {
                if (shared)
                    sum += *static_cast<volatile uint8_t*>(&a[p * kPage + 8]);
                else
                    a[p * kPage + 8] ^= 0xff;
            }
            _exit(sum & 0);
        }
        if (pid > 0)
            waitpid(pid, nullptr, 0);
        break;
    }
    case 4:
        tally(OpClearRefs);
        writeFile("/proc/self/clear_refs", "4");
        break;
    case 5: {
        if (sh_.numaNodes < 2)
            return preserve(first, count, readOnlyOk);
        tally(OpMovePages);
        std::vector<void*> pages(count);
        std::vector<int> nodes(count), status(count);
        int node = int(rng_.below(2));
        for (size_t p = 0; p < count; p++)
            pages[p] = a + p * kPage, nodes[p] = node;
        syscall(SYS_move_pages, 0, count, pages.data(), nodes.data(), status.data(), kMpolMfMove);
        break;
    }
    case 6: {
        if (sh_.numaNodes < 2)
            return preserve(first, count, readOnlyOk);
        tally(OpMbind);
        unsigned long mask = 1ul << rng_.below(2);
        syscall(SYS_mbind, a, len, kMpolBind, &mask, 64, kMpolMfMove);
        syscall(SYS_mbind, a, len, kMpolDefault, nullptr, 0, 0);
        break;
    }
    case 7:
        tally(OpCollapse);
        madvise(region_, kRegion, MADV_COLLAPSE); // THP regions; EINVAL elsewhere
        break;
    default:
        tally(OpMprotectRo);
        mprotect(a, len, PROT_READ);
        std::this_thread::yield();
        mprotect(a, len, PROT_READ | PROT_WRITE);
        break;
    }
}

std::optional<vsvm::JobResult> Worker::waitJob(const vsvm::Fence& fence, const char* what)
{
    sh_.jobs++;
    auto r = fence.wait(kJobTimeout);
    if (!r) {
        unexpected(fmt::format("{}: wait: {}", what, r.status().message()));
        return std::nullopt;
    }
    return *r;
}

bool Worker::runOk(const std::function<vsvm::Result<vsvm::Fence>()>& submit,
                   const std::function<void()>& race, const char* what)
{
    for (int attempt = 0; attempt < 8; attempt++) {
        auto fence = submit();
        if (!fence) {
            sh_.errors++;
            unexpected(fmt::format("{}: submit: {}", what, fence.status().message()));
            return false;
        }
        if (attempt == 0 && race)
            race();
        auto r = waitJob(*fence, what);
        if (!r)
            return false;
        if (r->ok())
            return true;
        if (r->status == vsvm::JobStatus::Retries) {
            sh_.jobRetries++;
            continue;
        }
        unexpected(fmt::format("{}: job ended {}", what, r->describe()));
        return false;
    }
    unexpected(fmt::format("{}: RETRIES eight times in a row", what));
    return false;
}

void Worker::expectFault(vsvm::Result<vsvm::Fence> fence, uint64_t addr, vsvm::Access access, const char* what)
{
    if (!fence) {
        sh_.errors++;
        return unexpected(fmt::format("{}: submit: {}", what, fence.status().message()));
    }
    auto r = waitJob(*fence, what);
    if (!r)
        return;
    if (r->status != vsvm::JobStatus::Fault || r->faultAddress != addr || r->faultAccess != access) {
        mismatch(fmt::format("{}: expected a {} fault at {:#x}, job ended {}", what, toString(access), addr,
                             r->describe()));
        return;
    }
    sh_.expectedFaults++;
}

bool Worker::deviceVerify(size_t first, size_t count, const char* after, const std::function<void()>& race)
{
    *result_ = 0;
    if (!runOk([&] { return copy_->checksum(page(first), count * kPage, result_); }, race, after))
        return false;
    uint64_t want = expectedChecksum(first, count);
    if (*result_ != want) {
        mismatch(fmt::format("after {}: device checksum of pages {}+{} is {:#x}, expected {:#x}", after, first,
                             count, *result_, want));
        return false;
    }
    sh_.verifiedBytes += count * kPage;
    return true;
}

// A device fill racing a content-preserving change: the data must be there.
void Worker::fillRace()
{
    tally(OpFillRace);
    size_t first, n;
    randomRange(first, n);
    uint64_t value = rng_.next() | 1;
    if (!runOk([&] { return copy_->fill(page(first), value, n * kPage); },
               [&] { preserve(first, n, false); }, "fill-race"))
        return;
    expectPattern(first, n, value);
    cpuCheck(first, n, "fill-race");
}

// CPU writes, then a device checksum racing a change that may make the range
// read-only for a moment.
void Worker::checksumRace()
{
    tally(OpChecksumRace);
    size_t first, n;
    randomRange(first, n);
    cpuWrite(first, n, rng_.next() | 1);
    deviceVerify(first, n, "checksum-race", [&] { preserve(first, n, true); });
}

// Device atomics and CPU atomics on the same 64 counters: no increment lost.
void Worker::atomicsRace()
{
    tally(OpAtomicsRace);
    uint32_t groups = uint32_t(1 + rng_.below(8)), lanes = uint32_t(16 * (1 + rng_.below(8)));
    unsigned cpuRounds = unsigned(1 + rng_.below(64));
    auto* c = reinterpret_cast<uint32_t*>(page(0));
    if (!runOk([&] { return compute_->launch(atomics_, {groups}, {lanes}, c); },
               [&] {
                   for (unsigned r = 0; r < cpuRounds; r++)
                       for (unsigned i = 0; i < kCounters; i++)
                           __atomic_fetch_add(&c[i], 1, __ATOMIC_SEQ_CST);
                   preserve(0, 1, false);
               },
               "atomics-race")) {
        // What the CPU added counts whatever the job did; the counters are
        // unknown now: start them again.
        memset(c, 0, kCounters * 4);
        counters_.fill(0);
        return;
    }
    for (uint32_t g = 0; g < groups * lanes; g++)
        counters_[g % kCounters]++;
    for (auto& v : counters_)
        v += cpuRounds;
    checkCounters("atomics-race");
}

// MADV_DONTNEED: private memory reads zero again, shared memory keeps its data.
void Worker::dontneed()
{
    tally(OpDontneed);
    size_t first, n;
    randomRange(first, n);
    madvise(page(first), n * kPage, MADV_DONTNEED);
    if (kind_ != Kind::Shmem)
        expectPattern(first, n, 0);
    if (rng_.chance(50))
        deviceVerify(first, n, "dontneed");
    else
        cpuCheck(first, n, "dontneed");
}

// munmap a range: a device fill there faults at its first byte; map it
// again: zeros (private) or the file's data (shared).
void Worker::munmapRemap()
{
    tally(OpMunmapRemap);
    size_t first, n;
    randomRange(first, n);
    munmap(page(first), n * kPage);
    expectFault(copy_->fill(page(first), 0x1234, n * kPage), uint64_t(page(first)), vsvm::Access::Write,
                "fill of an unmapped range");
    if (!mapAt(page(first), first * kPage, n * kPage)) {
        sh_.errors++;
        return unexpected("munmap-remap: mmap failed");
    }
    if (kind_ != Kind::Shmem)
        expectPattern(first, n, 0);
    deviceVerify(first, n, "munmap-remap");
}

// mremap the region to the other slot: the data moves with it, and the old
// place faults.
void Worker::mremapMove()
{
    tally(OpMremapMove);
    uint8_t* from = region_;
    uint8_t* to = slots_[slot_ ^ 1];
    void* p = mremap(from, kRegion, kRegion, MREMAP_MAYMOVE | MREMAP_FIXED, to);
    if (p == MAP_FAILED && errno == EFAULT) {
        // The region is several VMAs that could not merge (a remapped piece
        // is soft-dirty after clear_refs, say): mremap moves one VMA only.
        tally(OpMremapSplit);
        return;
    }
    if (p == MAP_FAILED) {
        sh_.errors++;
        return unexpected(fmt::format("mremap: {}", strerror(errno)));
    }
    region_ = to;
    slot_ ^= 1;
    uint64_t* oldResult = result_;
    expectFault(copy_->checksum(from + kPage, kPage, oldResult), uint64_t(from + kPage), vsvm::Access::Read,
                "checksum of the old place of a moved region");
    // Keep the hole covered, so that nothing else is mapped there.
    mmap(from, kRegion, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
    deviceVerify(1, kPages - 1, "mremap-move");
    checkCounters("mremap-move");
}

// A device write to memory made read-only faults and changes nothing.
void Worker::readOnlyWrite()
{
    tally(OpReadOnlyWrite);
    size_t first, n;
    randomRange(first, n);
    mprotect(page(first), n * kPage, PROT_READ);
    expectFault(copy_->fill(page(first), 0xdead, n * kPage), uint64_t(page(first)), vsvm::Access::Write,
                "fill of a read-only range");
    mprotect(page(first), n * kPage, PROT_READ | PROT_WRITE);
    cpuCheck(first, n, "read-only-write");
}

// fork, then a device fill in the parent: the child still sees the old data
// (private memory) or the new data (shared memory).
void Worker::forkCow()
{
    tally(OpForkCow);
    size_t first, n;
    randomRange(first, n);
    uint64_t value = rng_.next() | 1;
    int go[2], done[2];
    if (pipe(go) || pipe(done)) {
        sh_.errors++;
        return;
    }
    std::vector<uint64_t> childExpect(expect_.begin() + long(first), expect_.begin() + long(first + n));
    if (kind_ == Kind::Shmem)
        std::fill(childExpect.begin(), childExpect.end(), value);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        ssize_t ignored = read(go[0], &c, 1);
        (void)ignored;
        char ok = 1;
        for (size_t p = 0; p < n && ok; p++) {
            const auto* w = reinterpret_cast<const uint64_t*>(page(first + p));
            for (size_t i = 0; i < kPage / 8; i++)
                if (w[i] != childExpect[p]) {
                    ok = 0;
                    break;
                }
        }
        ignored = write(done[1], &ok, 1);
        _exit(0);
    }
    bool filled = runOk([&] { return copy_->fill(page(first), value, n * kPage); }, nullptr, "fork-cow");
    char c = 1, ok = 0;
    ssize_t ignored = write(go[1], &c, 1);
    (void)ignored;
    if (read(done[0], &ok, 1) != 1 || !ok)
        mismatch("fork-cow: the child's view changed after the parent's device fill");
    if (pid > 0)
        waitpid(pid, nullptr, 0);
    for (int fd : {go[0], go[1], done[0], done[1]})
        close(fd);
    if (filled) {
        expectPattern(first, n, value);
        cpuCheck(first, n, "fork-cow");
    }
}

// munmap racing a device fill: OK or a write fault inside the range, never
// anything else; then the range is mapped again and zeroed.
void Worker::munmapRace()
{
    tally(OpMunmapRace);
    size_t first, n;
    randomRange(first, n);
    auto fence = copy_->fill(page(first), rng_.next() | 1, n * kPage);
    munmap(page(first), n * kPage);
    if (!fence) {
        sh_.errors++;
        return unexpected("munmap-race: submit failed");
    }
    auto r = waitJob(*fence, "munmap-race");
    if (r && !r->ok()) {
        uint64_t lo = uint64_t(page(first)), hi = lo + n * kPage;
        if (r->status == vsvm::JobStatus::Fault && r->faultAccess == vsvm::Access::Write &&
            r->faultAddress >= lo && r->faultAddress < hi)
            sh_.expectedFaults++;
        else if (r->status == vsvm::JobStatus::Retries)
            sh_.jobRetries++;
        else
            mismatch(fmt::format("munmap-race: job ended {}", r->describe()));
    }
    if (!mapAt(page(first), first * kPage, n * kPage)) {
        sh_.errors++;
        return unexpected("munmap-race: mmap failed");
    }
    cpuWrite(first, n, 0);
    deviceVerify(first, n, "munmap-race");
}

void Worker::run()
{
    while (!sh_.stop.load(std::memory_order_relaxed)) {
        switch (rng_.below(20)) {
        case 0: case 1: case 2: case 3: case 4: fillRace(); break;
        case 5: case 6: case 7: case 8: checksumRace(); break;
        case 9: case 10: atomicsRace(); break;
        case 11: dontneed(); break;
        case 12: case 13: munmapRemap(); break;
        case 14: mremapMove(); break;
        case 15: readOnlyWrite(); break;
        case 16: forkCow(); break;
        case 17: munmapRace(); break;
        default: {
            // Now and then the whole region, by device and by CPU.
            deviceVerify(1, kPages - 1, "full check");
            cpuCheck(1, kPages - 1, "full check");
            checkCounters("full check");
        }
        }
    }
}

// Process-wide changes that keep contents, racing every worker.
void chaos(Shared& sh, uint64_t seed)
{
    Rng rng(seed);
    while (!sh.stop.load(std::memory_order_relaxed)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng.below(200)));
        switch (rng.below(4)) {
        case 0: {
            sh.ops[OpChaosFork]++;
            pid_t pid = fork();
            if (pid == 0) {
                usleep(useconds_t(rng.below(20000)));
                _exit(0);
            }
            if (pid > 0)
                waitpid(pid, nullptr, 0);
            break;
        }
        case 1:
            sh.ops[OpChaosClearRefs]++;
            writeFile("/proc/self/clear_refs", "4");
            break;
        case 2:
            sh.ops[OpChaosCompact]++;
            writeFile("/proc/sys/vm/compact_memory", "1");
            break;
        default: {
            if (sh.numaNodes < 2)
                break;
            sh.ops[OpChaosMigrate]++;
            unsigned long from = 1ul << rng.below(2), to = from ^ 3ul;
            syscall(SYS_migrate_pages, 0, 64, &from, &to);
            break;
        }
        }
    }
}

struct Options {
    std::string duration = "120";
    unsigned processes = 2;
    unsigned threads = 3;
    uint64_t seed = 1;
    std::string device;
};

double parseDuration(const std::string& s)
{
    size_t used = 0;
    double v = std::stod(s, &used);
    std::string unit = s.substr(used);
    if (unit == "" || unit == "s")
        return v;
    if (unit == "m")
        return v * 60;
    if (unit == "h")
        return v * 3600;
    throw std::invalid_argument("duration unit must be s, m or h");
}

Report runProcess(const Options& opt, const std::string& path, unsigned process, double seconds)
{
    Report rep;
    auto device = vsvm::Device::open(path);
    if (!device) {
        fmt::print(stderr, "vsvm-soak: {}\n", device.status().message());
        rep.errors++;
        return rep;
    }
    auto atomics = vsvm::Kernel::fromAssembly(kAtomicsSource);
    if (!atomics) {
        fmt::print(stderr, "vsvm-soak: {}\n", atomics.status().message());
        rep.errors++;
        return rep;
    }
    Shared sh;
    sh.numaNodes = numaNodes();
    sh.process = process;
    std::vector<std::unique_ptr<Worker>> workers;
    for (unsigned t = 0; t < opt.threads; t++) {
        workers.push_back(std::make_unique<Worker>(sh, *device, *atomics, t,
                                                   opt.seed * 1000 + process * 100 + t));
        if (!workers.back()->setUp()) {
            rep.errors++;
            return rep;
        }
    }
    std::vector<std::thread> threads;
    for (auto& w : workers)
        threads.emplace_back([&w] { w->run(); });
    threads.emplace_back([&] { chaos(sh, opt.seed * 1000 + process * 100 + 99); });
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    sh.stop = true;
    for (auto& t : threads)
        t.join();

    for (auto& w : workers) {
        auto c = w->counters().entries();
        for (unsigned i = 0; i < DRM_VSVM_COUNTER_COUNT; i++)
            rep.vm[i] += c[i].value;
        w->tearDown();
    }
    for (unsigned i = 0; i < NumOps; i++)
        rep.ops[i] = sh.ops[i];
    rep.jobs = sh.jobs, rep.jobRetries = sh.jobRetries, rep.expectedFaults = sh.expectedFaults;
    rep.mismatches = sh.mismatches, rep.unexpected = sh.unexpected, rep.verifiedBytes = sh.verifiedBytes;
    rep.errors += sh.errors;
    return rep;
}

} // namespace

int main(int argc, char** argv)
{
    Options opt;
    CLI::App app{"vsvm-soak: processes and threads changing their address space (mprotect, madvise, "
                 "munmap, mremap, fork, clear_refs, NUMA migration) while the device reads, writes "
                 "and updates it atomically; every sync point checks the data. Exit status 0 when "
                 "nothing mismatched."};
    app.add_option("--duration", opt.duration, "how long: 90, 90s, 2m, 1h")->capture_default_str();
    app.add_option("--processes", opt.processes, "processes")->capture_default_str()->check(CLI::Range(1u, 16u));
    app.add_option("--threads", opt.threads, "worker threads per process (each with a VM)")
        ->capture_default_str()
        ->check(CLI::Range(1u, 16u));
    app.add_option("--seed", opt.seed, "seed")->capture_default_str();
    app.add_option("--device", opt.device, "render node (default: the first vsvm device)");
    CLI11_PARSE(app, argc, argv);

    double seconds;
    try {
        seconds = parseDuration(opt.duration);
    } catch (const std::exception&) {
        fmt::print(stderr, "vsvm-soak: bad --duration {}\n", opt.duration);
        return 2;
    }
    std::string path = opt.device;
    if (path.empty()) {
        auto dev = vsvm::Device::open(std::size_t{0});
        if (!dev) {
            fmt::print(stderr, "vsvm-soak: {}\n", dev.status().message());
            return 2;
        }
        path = dev->path();
    }

    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::pair<pid_t, int>> children;
    for (unsigned p = 0; p < opt.processes; p++) {
        int fds[2];
        if (pipe(fds))
            return 2;
        pid_t pid = fork();
        if (pid == 0) {
            close(fds[0]);
            Report rep = runProcess(opt, path, p, seconds);
            ssize_t ignored = write(fds[1], &rep, sizeof(rep));
            (void)ignored;
            _exit(0);
        }
        close(fds[1]);
        children.emplace_back(pid, fds[0]);
    }
    Report total;
    bool lost = false;
    for (auto [pid, fd] : children) {
        Report rep;
        if (read(fd, &rep, sizeof(rep)) != ssize_t(sizeof(rep))) {
            fmt::print(stderr, "vsvm-soak: process {} died without a report\n", pid);
            lost = true;
        }
        total.add(rep);
        close(fd);
        int status = 0;
        waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status)) {
            fmt::print(stderr, "vsvm-soak: process {} ended with status {:#x}\n", pid, status);
            lost = true;
        }
    }
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    uint64_t ops = 0, steps = 0;
    std::string byOp;
    for (unsigned i = 0; i < NumOps; i++) {
        ops += total.ops[i];
        if (i <= OpMunmapRace)  // worker steps
            steps += total.ops[i];
        byOp += fmt::format(" {}={}", kOpNames[i], total.ops[i]);
    }
    const uint64_t* v = total.vm;
    fmt::print("soak: time {:.0f}s processes {} threads {} ops {} steps {} jobs {} job-retries {} "
               "expected-faults {} verified-bytes {} mismatches {} unexpected {} errors {}\n",
               elapsed, opt.processes, opt.threads, ops, steps, total.jobs, total.jobRetries,
               total.expectedFaults, total.verifiedBytes, total.mismatches, total.unexpected, total.errors);
    fmt::print("soak: ops{}\n", byOp);
    fmt::print("soak: vm faults {} fatal {} fault-retries {} mapped-4k {} mapped-2m {} inval unmap {} clear {} "
               "protection-vma {} protection-page {} soft-dirty {} release {} migrate {} exclusive {} "
               "nonblock-failed {} ptes-zapped {} ptes-downgraded {} tlb-flushes {} ranges-gc {}\n",
               v[DRM_VSVM_COUNTER_FAULTS], v[DRM_VSVM_COUNTER_FAULTS_FATAL], v[DRM_VSVM_COUNTER_FAULT_RETRIES],
               v[DRM_VSVM_COUNTER_MAPPED_4K], v[DRM_VSVM_COUNTER_MAPPED_2M], v[DRM_VSVM_COUNTER_INVAL_UNMAP],
               v[DRM_VSVM_COUNTER_INVAL_CLEAR], v[DRM_VSVM_COUNTER_INVAL_PROTECTION_VMA],
               v[DRM_VSVM_COUNTER_INVAL_PROTECTION_PAGE], v[DRM_VSVM_COUNTER_INVAL_SOFT_DIRTY],
               v[DRM_VSVM_COUNTER_INVAL_RELEASE], v[DRM_VSVM_COUNTER_INVAL_MIGRATE],
               v[DRM_VSVM_COUNTER_INVAL_EXCLUSIVE], v[DRM_VSVM_COUNTER_INVAL_NONBLOCK_FAILED],
               v[DRM_VSVM_COUNTER_PTES_ZAPPED], v[DRM_VSVM_COUNTER_PTES_DOWNGRADED],
               v[DRM_VSVM_COUNTER_TLB_FLUSHES], v[DRM_VSVM_COUNTER_RANGES_GC]);
    bool ok = !lost && !total.mismatches && !total.unexpected && !total.errors && steps > 0;
    return ok ? 0 : 1;
}

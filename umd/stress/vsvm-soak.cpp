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
//    end OK and the data must match exactly.
//  - a change that destroys contents (MADV_DONTNEED, munmap and remap,
//    mprotect read-only), after which the expected state is re-established,
//    and device access to what is gone (or read-only) must end with a FAULT
//    at the right address, not with data.
//  - mremap of the region to another place (one VMA at a time), as it is,
//    grown or shrunk, with the device mirroring only a part of it: the data
//    moves, the old place faults, what grew reads zeros (or faults past the
//    memfd's end), what was cut faults.
//  - fork with copy-on-write checks: device writes in the parent after the
//    fork are not seen by the child.
//  - munmap racing a device fill: the job ends OK or FAULT, nothing else.
//  - the sequences that break naive mirrors: a hole re-mapped with
//    MAP_FIXED and the 2 MiB collapsed back to a THP, mirrored, then half of
//    it unmapped; mmap(MAP_FIXED) of new contents racing a device copy (per
//    page old or new, after the sync only new); memfd_secret() memory in the
//    region (every device access faults, PREFETCH fails with EFAULT, the
//    pages around it keep working); a device write to a writable but clean
//    page, re-mapped by a fault-around, then MADV_PAGEOUT (the CPU must read
//    the device's data); VM_DESTROY racing an EXEC whose command array is
//    stalled with userfaultfd (EXEC fails with ENOENT or its job runs to an
//    end, nothing hangs, a new VM works).
//
// The chaos thread forks, writes clear_refs, compacts memory and migrates
// the whole process between NUMA nodes, racing every worker.
//
// A job ending RETRIES is a failure: collisions with invalidations are
// retried for as long as a job may run (uapi 0.4), so a user doing nothing
// wrong never sees it. It is counted (job-retries) and as unexpected.
//
// Output: "soak:" summary lines (operations, device faults, retries,
// invalidations by event, mismatches); exit status 0 when nothing mismatched
// and nothing unexpected happened.

#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <sys/ioctl.h>
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
#include <iterator>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <xf86drm.h>

#include "cli.h"
#include "vsvm/runtime.h"
#include "vsvm/unique_fd.h"

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
constexpr auto kStallTimeout = 10s;          // for an EXEC to reach its stalled command array

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#ifndef SYS_memfd_secret
#define SYS_memfd_secret 447
#endif
constexpr int kMpolDefault = 0, kMpolBind = 2, kMpolMfMove = 2;

// The soak's generator: its salt keeps it apart from the fuzzer's.
struct Rng : stress::Rng {
    explicit Rng(uint64_t seed) : stress::Rng(seed, 0x50a6) {}
};

// Operations, counted per kind.
enum Op : unsigned {
    // worker steps
    OpFillRace, OpChecksumRace, OpAtomicsRace, OpDontneed, OpMunmapRemap, OpMremapMove, OpMremapGrow,
    OpMremapShrink, OpReadOnlyWrite, OpForkCow, OpMunmapRace, OpCollapseRemap, OpMapFixedRace,
    OpSecretMemory, OpPageoutDirty, OpDestroyExecRace,
    NumSteps,
    // how some steps went
    OpMremapPieces = NumSteps, OpCollapseRemapThp, OpCollapseRemap2M, OpMapFixedMidJob,
    OpDestroyExecEnoent, OpDestroyExecRan,
    // content-preserving changes racing a job
    OpMprotect, OpMprotectRo, OpCold, OpPageout, OpFork, OpClearRefs, OpMovePages, OpMbind,
    OpCollapse, OpToDevice, OpToSystem,
    // chaos thread
    OpChaosFork, OpChaosClearRefs, OpChaosCompact, OpChaosMigrate,
    NumOps
};
const char* const kOpNames[] = {
    "fill-race", "checksum-race", "atomics-race", "dontneed", "munmap-remap", "mremap-move", "mremap-grow",
    "mremap-shrink", "read-only-write", "fork-cow", "munmap-race", "collapse-remap", "map-fixed-race",
    "secret-memory", "pageout-dirty", "destroy-exec-race",
    "mremap-pieces", "collapse-remap-thp", "collapse-remap-2m-leaf", "map-fixed-race-mid-job",
    "destroy-exec-enoent", "destroy-exec-ran",
    "mprotect", "mprotect-ro", "cold", "pageout", "fork", "clear-refs", "move-pages", "mbind",
    "collapse", "to-device", "to-system",
    "chaos-fork", "chaos-clear-refs", "chaos-compact", "chaos-migrate-pages",
};
static_assert(std::size(kOpNames) == NumOps);

// What the kernel offers, probed once before the processes start: a step
// that needs what is missing is skipped (with a note), not failed.
struct Features {
    bool deviceMemory = false; // DRM_VSVM_CAP_DEVICE_MEMORY: placement prefetches
    bool secretMemory = false; // memfd_secret()
    bool userfaultfd = false;  // userfaultfd() that may handle the kernel's own faults
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

// Sole owner of a mapping: unmapped once, on destruction. Move-only.
class Mapping {
public:
    Mapping() = default;
    // Takes what mmap() returned; MAP_FAILED leaves it empty.
    Mapping(void* p, size_t len) : p_(p == MAP_FAILED ? nullptr : static_cast<uint8_t*>(p)), len_(len) {}
    ~Mapping()
    {
        if (p_)
            munmap(p_, len_);
    }
    Mapping(Mapping&& o) noexcept : p_(std::exchange(o.p_, nullptr)), len_(o.len_) {}
    Mapping& operator=(Mapping&& o) noexcept
    {
        std::swap(p_, o.p_);
        std::swap(len_, o.len_);
        return *this;
    }
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;

    uint8_t* get() const { return p_; }
    explicit operator bool() const { return p_ != nullptr; }

private:
    uint8_t* p_ = nullptr;
    size_t len_ = 0;
};

Mapping mapAnonymous(size_t len, int prot = PROT_READ | PROT_WRITE, int flags = 0)
{
    return Mapping(mmap(nullptr, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0), len);
}

// Keeps [at, at + len) reserved (PROT_NONE) in place of what was mapped
// there, in one step: nothing else the process maps can land in between,
// and device access there must fault.
void coverHole(uint8_t* at, size_t len)
{
    mmap(at, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
}

void fillWords(uint8_t* p, size_t bytes, uint64_t value)
{
    auto* w = reinterpret_cast<uint64_t*>(p);
    std::fill(w, w + bytes / 8, value);
}

bool holds(const uint8_t* p, size_t bytes, uint64_t value)
{
    const auto* w = reinterpret_cast<const uint64_t*>(p);
    return std::all_of(w, w + bytes / 8, [value](uint64_t v) { return v == value; });
}

// CHECKSUM of @p pages pages, page i filled with the 64-bit word values[i].
uint64_t pagesChecksum(const uint64_t* values, size_t pages)
{
    uint64_t h = stress::kFnvBasis;
    std::array<uint64_t, kPage / 8> words;
    for (size_t p = 0; p < pages; p++) {
        words.fill(values[p]);
        h = fnvStep(h, reinterpret_cast<const uint8_t*>(words.data()), kPage);
    }
    return h;
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
    Worker(Shared& shared, const Features& features, const vsvm::Device& device, const vsvm::Kernel& atomics,
           unsigned index, uint64_t seed)
        : sh_(shared), features_(features), device_(device), atomics_(atomics), index_(index), rng_(seed),
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
    void failed(const std::string& what)
    {
        sh_.errors++;
        unexpected(what);
    }

    bool mapAt(uint8_t* at, size_t offset, size_t len);
    // [first, first + count) was mapped anew: zeros (private), the file's data (memfd).
    void remapped(size_t first, size_t count);
    void randomRange(size_t& first, size_t& count);
    void expectPattern(size_t first, size_t count, uint64_t value);
    void cpuWrite(size_t first, size_t count, uint64_t value);
    bool cpuCheck(size_t first, size_t count, const char* after);
    uint64_t expectedChecksum(size_t first, size_t count) const;
    bool checkCounters(const char* after);

    // A content-preserving change of [first, first + count) pages; with
    // @p readOnlyOk the range may be read-only for a moment.
    void preserve(size_t first, size_t count, bool readOnlyOk);
    // The job's result; nothing when the wait failed or the job ended
    // RETRIES (both reported).
    std::optional<vsvm::JobResult> waitJob(const vsvm::Fence& fence, const char* what);
    // Runs @p submit, racing @p race; true when the job ended OK.
    bool runOk(const std::function<vsvm::Result<vsvm::Fence>()>& submit, const std::function<void()>& race,
               const char* what);
    // A job that must fault at @p addr with @p access.
    void expectFault(vsvm::Result<vsvm::Fence> fence, uint64_t addr, vsvm::Access access, const char* what);
    // A device checksum of @p bytes at @p at must be @p want.
    bool deviceSum(const uint8_t* at, size_t bytes, uint64_t want, const char* after,
                   const std::function<void()>& race = nullptr);
    bool deviceVerify(size_t first, size_t count, const char* after,
                      const std::function<void()>& race = nullptr);

    void fillRace();
    void checksumRace();
    void atomicsRace();
    void dontneed();
    void munmapRemap();
    void mremapStep();
    void mremapGrown(size_t newLen);
    void mremapShrunk(size_t newLen);
    bool movePieces(uint8_t* from, uint8_t* to, size_t len, size_t newLen);
    void resetRegion(const std::string& why);
    void readOnlyWrite();
    void forkCow();
    void munmapRace();
    void collapseRemap();
    void mapFixedRace();
    void checkSnapshot(size_t count, uint64_t before, uint64_t after);
    void secretMemory();
    void secretMemoryChecks(size_t first, size_t count);
    void pageoutDirty();
    void destroyExecRace();
    void destroyExecOutcome(const vsvm::Result<vsvm::Fence>& exec, bool destroyedFirst, uint64_t old,
                            uint64_t value);
    void fullCheck();

    Shared& sh_;
    const Features& features_;
    const vsvm::Device& device_;
    const vsvm::Kernel& atomics_;
    unsigned index_;
    Rng rng_;
    Kind kind_;
    std::optional<vsvm::Vm> vm_;
    std::optional<vsvm::CopyQueue> copy_;
    std::optional<vsvm::ComputeQueue> compute_;
    Mapping reserve_; // two slots, PROT_NONE around
    uint8_t* slots_[2] = {};
    unsigned slot_ = 0;
    uint8_t* region_ = nullptr;
    vsvm::UniqueFd memfd_;
    Mapping results_;  // checksum results, outside the region
    uint64_t* result_ = nullptr;
    Mapping snapshot_; // what a device copy read of the region
    vsvm::UniqueFd stagingFd_; // new contents for mmap(MAP_FIXED) over the region
    Mapping staging_;
    Mapping stall_;    // one page, userfaultfd-registered while an EXEC reads it
    Mapping scratch_;  // a command array's source, and the page its fill writes
    std::vector<uint64_t> expect_; // per page: the fill pattern, 0 for zeros
    std::array<uint32_t, kCounters> counters_{};
};

bool Worker::mapAt(uint8_t* at, size_t offset, size_t len)
{
    void* p;
    if (kind_ == Kind::Shmem)
        p = mmap(at, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, memfd_.get(), off_t(offset));
    else
        p = mmap(at, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (p == MAP_FAILED)
        return false;
    madvise(at, len, kind_ == Kind::AnonThp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    return true;
}

void Worker::remapped(size_t first, size_t count)
{
    if (kind_ == Kind::Shmem)
        return;
    expectPattern(first, count, 0);
    if (first == 0)
        counters_.fill(0);
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
    reserve_ = mapAnonymous(3 * kSlot, PROT_NONE, MAP_NORESERVE);
    if (!reserve_)
        return false;
    uint8_t* aligned = reinterpret_cast<uint8_t*>((uintptr_t(reserve_.get()) + kRegion - 1) & ~(kRegion - 1));
    slots_[0] = aligned + kRegion;
    slots_[1] = aligned + kRegion + 10 * (1 << 20);
    if (kind_ == Kind::Shmem) {
        memfd_ = vsvm::UniqueFd(memfd_create("vsvm-soak", MFD_CLOEXEC));
        if (!memfd_ || ftruncate(memfd_.get(), kRegion))
            return false;
    }
    region_ = slots_[0];
    if (!mapAt(region_, 0, kRegion))
        return false;
    stagingFd_ = vsvm::UniqueFd(memfd_create("vsvm-soak-staging", MFD_CLOEXEC));
    if (!stagingFd_ || ftruncate(stagingFd_.get(), kRegion))
        return false;
    staging_ = Mapping(mmap(nullptr, kRegion, PROT_READ | PROT_WRITE, MAP_SHARED, stagingFd_.get(), 0), kRegion);
    results_ = mapAnonymous(kPage);
    snapshot_ = mapAnonymous(kRegion);
    stall_ = mapAnonymous(kPage);
    scratch_ = mapAnonymous(2 * kPage);
    if (!staging_ || !results_ || !snapshot_ || !stall_ || !scratch_)
        return false;
    result_ = reinterpret_cast<uint64_t*>(results_.get());
    expect_.assign(kPages, 0);
    return true;
}

void Worker::tearDown()
{
    compute_.reset();
    copy_.reset();
    vm_.reset();
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
    fillWords(page(first), count * kPage, value);
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
    return pagesChecksum(expect_.data() + first, count);
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
    switch (rng_.below(readOnlyOk ? 11 : 10)) {
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
    case 8:
    case 9: {
        // Into the device's memory (private anonymous pages move; shared
        // ones stay) or back, racing the job: the data must not change.
        if (!features_.deviceMemory)
            return preserve(first, count, readOnlyOk);
        bool in = rng_.below(2);
        tally(in ? OpToDevice : OpToSystem);
        auto st = vm_->prefetch(a, len, false, in ? vsvm::Vm::Placement::Device : vsvm::Vm::Placement::System);
        if (!st.ok())
            unexpected(fmt::format("{}: {}", in ? "to-device" : "to-system", st.message()));
        break;
    }
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
    if (r->status == vsvm::JobStatus::Retries) {
        // The engines retry collisions with invalidations for as long as
        // the job may run (uapi 0.4): RETRIES means the driver gave up.
        sh_.jobRetries++;
        unexpected(fmt::format("{}: job ended RETRIES ({} at {:#x}, command {})", what,
                               toString(r->faultAccess), r->faultAddress, r->commandIndex));
        return std::nullopt;
    }
    return *r;
}

bool Worker::runOk(const std::function<vsvm::Result<vsvm::Fence>()>& submit,
                   const std::function<void()>& race, const char* what)
{
    auto fence = submit();
    if (!fence) {
        failed(fmt::format("{}: submit: {}", what, fence.status().message()));
        return false;
    }
    if (race)
        race();
    auto r = waitJob(*fence, what);
    if (!r)
        return false;
    if (!r->ok())
        unexpected(fmt::format("{}: job ended {}", what, r->describe()));
    return r->ok();
}

void Worker::expectFault(vsvm::Result<vsvm::Fence> fence, uint64_t addr, vsvm::Access access, const char* what)
{
    if (!fence)
        return failed(fmt::format("{}: submit: {}", what, fence.status().message()));
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

bool Worker::deviceSum(const uint8_t* at, size_t bytes, uint64_t want, const char* after,
                       const std::function<void()>& race)
{
    *result_ = 0;
    if (!runOk([&] { return copy_->checksum(at, bytes, result_); }, race, after))
        return false;
    if (*result_ != want) {
        mismatch(fmt::format("after {}: device checksum of {:#x}+{:#x} is {:#x}, expected {:#x}", after,
                             uint64_t(at), bytes, *result_, want));
        return false;
    }
    sh_.verifiedBytes += bytes;
    return true;
}

bool Worker::deviceVerify(size_t first, size_t count, const char* after, const std::function<void()>& race)
{
    return deviceSum(page(first), count * kPage, expectedChecksum(first, count), after, race);
}

// A device fill racing a content-preserving change: the data must be there.
void Worker::fillRace()
{
    tally(OpFillRace);
    size_t first, n;
    randomRange(first, n);
    uint64_t value = rng_.next() | 1;
    if (!runOk([&] { return copy_->fill(page(first), value, n * kPage); },
               [&] { preserve(first, n, false); }, "fill-race")) {
        // Reported; a known state again, so that later steps do not repeat it.
        cpuWrite(first, n, value);
        return;
    }
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
    if (!mapAt(page(first), first * kPage, n * kPage))
        return failed("munmap-remap: mmap failed");
    remapped(first, n);
    deviceVerify(first, n, "munmap-remap");
}

// How mremapStep() changes the region's size as it moves it.
enum class Resize { Same, Grow, Shrink };
struct MremapCase {
    Op op;
    Resize resize;
};
constexpr MremapCase kMremapCases[] = {
    {OpMremapMove, Resize::Same},
    {OpMremapGrow, Resize::Grow},
    {OpMremapShrink, Resize::Shrink},
};

// mremap the region to the other slot, as it is, grown (by up to 6 MiB) or
// shrunk (in place, first), while the device mirrors only a part of it:
// the data moves with it, the old place faults (where the device had
// translations too), and the region is then 2 MiB again.
void Worker::mremapStep()
{
    const MremapCase& c = kMremapCases[rng_.below(std::size(kMremapCases))];
    tally(c.op);
    size_t newLen = c.resize == Resize::Grow     ? kRegion + kPage * (1 + rng_.below(3 * kPages))
                    : c.resize == Resize::Shrink ? kPage * (2 + rng_.below(kPages - 2))
                                                 : kRegion;
    // No translation left (PROT_NONE for a moment), then the device reads a part.
    mprotect(region_, kRegion, PROT_NONE);
    mprotect(region_, kRegion, PROT_READ | PROT_WRITE);
    size_t first, n;
    randomRange(first, n);
    if (!deviceVerify(first, n, "mremap: the mirrored part"))
        return;

    uint8_t* from = region_;
    uint8_t* to = slots_[slot_ ^ 1];
    if (newLen < kRegion) {
        if (mremap(from, kRegion, newLen, 0) == MAP_FAILED)
            return resetRegion(fmt::format("mremap-shrink: {}", strerror(errno)));
        coverHole(from + newLen, kRegion - newLen);
    }
    if (!movePieces(from, to, std::min(newLen, kRegion), newLen))
        return;
    region_ = to;
    slot_ ^= 1;
    coverHole(from, kRegion);
    expectFault(copy_->checksum(from + first * kPage, n * kPage, result_), uint64_t(from + first * kPage),
                vsvm::Access::Read, "checksum of the old place of a moved region");
    size_t kept = std::min(newLen, kRegion) / kPage;
    deviceVerify(1, kept - 1, "mremap: moved");
    cpuCheck(1, kept - 1, "mremap: moved");
    checkCounters("mremap");
    if (newLen > kRegion)
        mremapGrown(newLen);
    else if (newLen < kRegion)
        mremapShrunk(newLen);
}

// The lengths of the VMAs that make [at, at + len), in address order;
// nothing when a part of it is not mapped.
std::vector<size_t> vmaPieces(const uint8_t* at, size_t len)
{
    std::vector<size_t> pieces;
    unsigned long next = uintptr_t(at), end = next + len;
    std::unique_ptr<FILE, int (*)(FILE*)> maps(fopen("/proc/self/maps", "re"), fclose);
    char line[4096];
    while (maps && next < end && fgets(line, sizeof(line), maps.get())) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx", &lo, &hi) != 2 || hi <= next || lo >= end)
            continue;
        if (lo > next)
            return {};
        pieces.push_back(std::min(hi, end) - next);
        next = std::min(hi, end);
    }
    return next == end ? pieces : std::vector<size_t>{};
}

// Moves [from, from + len) to @p to one VMA at a time, the last one grown
// to end at to + newLen: mremap moves one VMA, and a private region whose
// holes were mapped again after it moved is several VMAs for good (their
// page offsets do not follow on, so they never merge).
bool Worker::movePieces(uint8_t* from, uint8_t* to, size_t len, size_t newLen)
{
    std::vector<size_t> pieces = vmaPieces(from, len);
    if (pieces.empty()) {
        resetRegion(fmt::format("mremap: {:#x}+{:#x} is not all mapped", uint64_t(from), len));
        return false;
    }
    if (pieces.size() > 1)
        tally(OpMremapPieces);
    size_t offset = 0;
    for (size_t i = 0; i < pieces.size(); offset += pieces[i++]) {
        size_t grownTo = i + 1 == pieces.size() ? newLen - offset : pieces[i];
        if (mremap(from + offset, pieces[i], grownTo, MREMAP_MAYMOVE | MREMAP_FIXED, to + offset) == MAP_FAILED) {
            resetRegion(fmt::format("mremap of {:#x}+{:#x} to {:#x}: {}", uint64_t(from + offset), pieces[i],
                                    uint64_t(to + offset), strerror(errno)));
            return false;
        }
    }
    return true;
}

// After a failure that left the region in pieces: a new one in slot 0
// (the memfd's data, or zeros), both slots reserved again.
void Worker::resetRegion(const std::string& why)
{
    failed(why);
    coverHole(slots_[0], kSlot);
    coverHole(slots_[1], kSlot);
    slot_ = 0;
    region_ = slots_[0];
    if (!mapAt(region_, 0, kRegion))
        return failed("mmap of a new region failed");
    remapped(0, kPages);
}

// What grew reads zeros (private) or faults (past the memfd's end); then
// mremap shrinks the region in place to 2 MiB again, and the part cut off
// must fault.
void Worker::mremapGrown(size_t newLen)
{
    uint8_t* extra = region_ + kRegion;
    size_t bytes = newLen - kRegion;
    if (kind_ == Kind::Shmem) {
        expectFault(copy_->checksum(extra, bytes, result_), uint64_t(extra), vsvm::Access::Read,
                    "checksum past the end of the memfd of a grown region");
    } else {
        std::vector<uint64_t> zeros(bytes / kPage, 0);
        deviceSum(extra, bytes, pagesChecksum(zeros.data(), zeros.size()), "mremap-grow: what grew");
    }
    if (mremap(region_, newLen, kRegion, 0) == MAP_FAILED)
        failed(fmt::format("mremap-grow: shrinking back: {}", strerror(errno)));
    coverHole(extra, bytes);
    expectFault(copy_->checksum(extra, bytes, result_), uint64_t(extra), vsvm::Access::Read,
                "checksum of what a grown region was shrunk by");
}

// What was cut faults at the new place; it is mapped again.
void Worker::mremapShrunk(size_t newLen)
{
    size_t tail = newLen / kPage, count = kPages - tail;
    expectFault(copy_->checksum(page(tail), count * kPage, result_), uint64_t(page(tail)), vsvm::Access::Read,
                "checksum of what a shrunk region lost");
    if (!mapAt(page(tail), newLen, count * kPage))
        return failed("mremap-shrink: mmap of the tail failed");
    remapped(tail, count);
    deviceVerify(tail, count, "mremap-shrink: the tail mapped again");
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
    if (pipe(go) || pipe(done))
        return failed(fmt::format("fork-cow: pipe: {}", strerror(errno)));
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
    if (!filled) {
        cpuWrite(first, n, value); // reported; a known state again
        return;
    }
    expectPattern(first, n, value);
    cpuCheck(first, n, "fork-cow");
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
    if (!fence)
        return failed("munmap-race: submit failed");
    auto r = waitJob(*fence, "munmap-race");
    if (r && !r->ok()) {
        uint64_t lo = uint64_t(page(first)), hi = lo + n * kPage;
        if (r->status == vsvm::JobStatus::Fault && r->faultAccess == vsvm::Access::Write &&
            r->faultAddress >= lo && r->faultAddress < hi)
            sh_.expectedFaults++;
        else
            mismatch(fmt::format("munmap-race: job ended {}", r->describe()));
    }
    if (!mapAt(page(first), first * kPage, n * kPage))
        return failed("munmap-race: mmap failed");
    cpuWrite(first, n, 0);
    deviceVerify(first, n, "munmap-race");
}

// MADV_COLLAPSE after a partial munmap: a hole in one half of the region
// re-mapped with MAP_FIXED and new contents, the 2 MiB collapsed back to a
// THP (possible for every kind for the moment), read by the device (a 2 MiB
// leaf where the CPU maps a THP), then the other half unmapped: the device
// must read the half that lives right and fault where memory is gone, not
// reach the freed half through a leaf that the bookkeeping forgot.
void Worker::collapseRemap()
{
    tally(OpCollapseRemap);
    if (!deviceVerify(1, kPages - 1, "collapse-remap: before"))
        return;
    constexpr size_t kHalf = kPages / 2;
    size_t live = rng_.below(2) * kHalf, gone = kHalf - live;
    size_t first = std::max<size_t>(1, live + rng_.below(kHalf));
    size_t n = 1 + rng_.below(std::min<size_t>(64, live + kHalf - first));
    if (!mapAt(page(first), first * kPage, n * kPage))
        return failed("collapse-remap: mmap of the hole failed");
    cpuWrite(first, n, rng_.next() | 1);
    madvise(region_, kRegion, MADV_HUGEPAGE);
    bool thp = madvise(region_, kRegion, MADV_COLLAPSE) == 0;
    madvise(region_, kRegion, kind_ == Kind::AnonThp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    if (thp)
        tally(OpCollapseRemapThp);
    uint64_t leaves = counters().mapped2M;
    if (!deviceVerify(1, kPages - 1, "collapse-remap: collapsed") || !checkCounters("collapse-remap"))
        return;
    if (counters().mapped2M > leaves)
        tally(OpCollapseRemap2M);

    coverHole(page(gone), kHalf * kPage);
    uint64_t goneAt = uint64_t(page(gone));
    expectFault(copy_->checksum(region_, kRegion, result_), goneAt, vsvm::Access::Read,
                "checksum across a collapsed region half unmapped");
    expectFault(copy_->fill(page(gone), 0xbad, kHalf * kPage), goneAt, vsvm::Access::Write,
                "fill of the unmapped half of a collapsed region");
    size_t liveFirst = std::max<size_t>(1, live), liveCount = live + kHalf - liveFirst;
    deviceVerify(liveFirst, liveCount, "collapse-remap: the half that lives");
    cpuCheck(liveFirst, liveCount, "collapse-remap: the half that lives");
    if (live == 0)
        checkCounters("collapse-remap: the half that lives");

    if (!mapAt(page(gone), gone * kPage, kHalf * kPage))
        return failed("collapse-remap: mmap of the unmapped half failed");
    remapped(gone, kHalf);
    deviceVerify(1, kPages - 1, "collapse-remap: after");
}

// mmap(MAP_FIXED) of new contents (the staging memfd's pages) over a
// mirrored range while a device copy reads it: per page the copy sees the
// old contents or the new ones; after the sync only the new. Then the
// region's own memory is mapped there again.
void Worker::mapFixedRace()
{
    tally(OpMapFixedRace);
    size_t first, n;
    randomRange(first, n);
    uint64_t before = rng_.next() | 1, after = before + 2;
    cpuWrite(first, n, before);
    if (rng_.chance(50)) {
        vsvm::Status st = vm_->prefetch(page(first), n * kPage, false);
        if (!st.ok())
            unexpected(fmt::format("map-fixed-race: {}", st.message()));
    }
    fillWords(staging_.get() + first * kPage, n * kPage, after);
    int flags = (kind_ == Kind::Shmem ? MAP_SHARED : MAP_PRIVATE) | MAP_FIXED;
    int mapError = 0;
    bool copied = runOk([&] { return copy_->copy(snapshot_.get(), page(first), n * kPage); },
                        [&] {
                            if (mmap(page(first), n * kPage, PROT_READ | PROT_WRITE, flags, stagingFd_.get(),
                                     off_t(first * kPage)) == MAP_FAILED)
                                mapError = errno;
                        },
                        "map-fixed-race");
    if (mapError) {
        failed(fmt::format("map-fixed-race: mmap: {}", strerror(mapError)));
    } else {
        expectPattern(first, n, after);
        if (copied)
            checkSnapshot(n, before, after);
        deviceVerify(first, n, "map-fixed-race: after the sync");
        cpuCheck(first, n, "map-fixed-race: after the sync");
    }
    if (!mapAt(page(first), first * kPage, n * kPage))
        return failed("map-fixed-race: mmap of the region failed");
    if (kind_ == Kind::Shmem)
        expectPattern(first, n, before); // what the memfd holds
    else
        remapped(first, n);
}

// What the copy of mapFixedRace() read: each page old or new, and never old
// after new: the copy goes up page by page, the mapping changes once, and
// no translation of the old pages may outlive the change.
void Worker::checkSnapshot(size_t count, uint64_t before, uint64_t after)
{
    bool sawOld = false, sawNew = false;
    for (size_t p = 0; p < count; p++) {
        const uint8_t* s = snapshot_.get() + p * kPage;
        bool isNew = holds(s, kPage, after);
        if (!isNew && !holds(s, kPage, before))
            return mismatch(fmt::format("map-fixed-race: page {} as the device read it holds neither the old "
                                        "({:#x}) nor the new ({:#x}) contents (word 0 {:#x})",
                                        p, before, after, *reinterpret_cast<const uint64_t*>(s)));
        if (!isNew && sawNew)
            return mismatch(fmt::format("map-fixed-race: the device read page {} old after an earlier page new: "
                                        "a translation outlived mmap(MAP_FIXED)", p));
        sawOld |= !isNew;
        sawNew |= isNew;
    }
    if (sawOld && sawNew)
        tally(OpMapFixedMidJob);
}

// memfd_secret() memory inside the region, gone from the kernel's direct
// map: the device must never touch it. Then the region's own memory is
// mapped there again.
void Worker::secretMemory()
{
    if (!features_.secretMemory)
        return;
    tally(OpSecretMemory);
    // Normal pages on both sides, page 0 (the counters) not among them.
    size_t first = 2 + rng_.below(kPages - 3);
    size_t n = 1 + rng_.below(std::min<size_t>(16, kPages - 1 - first));
    std::vector<uint64_t> fileData(expect_.begin() + long(first), expect_.begin() + long(first + n));
    vsvm::UniqueFd fd(int(syscall(SYS_memfd_secret, O_CLOEXEC)));
    if (fd && ftruncate(fd.get(), off_t(n * kPage)) == 0 &&
        mmap(page(first), n * kPage, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd.get(), 0) != MAP_FAILED)
        secretMemoryChecks(first, n);
    else
        failed(fmt::format("secret-memory: {}", strerror(errno)));
    if (!mapAt(page(first), first * kPage, n * kPage))
        return failed("secret-memory: mmap of the region failed");
    if (kind_ == Kind::Shmem)
        std::copy(fileData.begin(), fileData.end(), expect_.begin() + long(first));
    else
        remapped(first, n);
    deviceVerify(first - 1, n + 2, "secret-memory: mapped again");
}

// Every device access to the secret pages [first, first + count) faults at
// their first byte, also one that starts in the page before; PREFETCH fails
// with EFAULT; the CPU's data stays; the pages around keep working.
void Worker::secretMemoryChecks(size_t first, size_t count)
{
    uint64_t secret = rng_.next() | 1;
    cpuWrite(first, count, secret);
    uint8_t* at = page(first);
    auto R = vsvm::Access::Read, W = vsvm::Access::Write;
    expectFault(copy_->checksum(at, count * kPage, result_), uint64_t(at), R, "checksum of secret memory");
    expectFault(copy_->fill(at, 0xbad, count * kPage), uint64_t(at), W, "fill of secret memory");
    expectFault(copy_->copy(snapshot_.get(), at, count * kPage), uint64_t(at), R, "copy from secret memory");
    expectFault(copy_->checksum(page(first - 1), 2 * kPage, result_), uint64_t(at), R,
                "checksum from the page before secret memory into it");
    uint64_t before = rng_.next() | 1;
    expectFault(copy_->fill(page(first - 1), before, (count + 1) * kPage), uint64_t(at), W,
                "fill from the page before secret memory into it");
    expectPattern(first - 1, 1, before); // the fill's first page, done before it faulted
    for (auto [start, pages] : {std::pair{first, count}, std::pair{first - 1, count + 1}}) {
        vsvm::Status st = vm_->prefetch(page(start), pages * kPage, rng_.chance(50));
        if (st.errnum() != EFAULT)
            mismatch(fmt::format("PREFETCH of {} pages from page {} with secret memory at page {}: {}, expected EFAULT",
                                 pages, start, first, st.ok() ? "success" : st.message()));
    }
    uint64_t after = rng_.next() | 1;
    if (runOk([&] { return copy_->fill(page(first + count), after, kPage); }, nullptr, "secret-memory: neighbour"))
        expectPattern(first + count, 1, after);
    else
        cpuWrite(first + count, 1, after);
    cpuCheck(first - 1, count + 2, "device access to secret memory");
    deviceVerify(first - 1, 1, "secret-memory: the page before");
    deviceVerify(first + count, 1, "secret-memory: the page after");
}

// A device write to a page the CPU maps writable but clean (private memory
// after MADV_FREE, or a memfd page the CPU only read), then a device access
// to its neighbour just dropped with MADV_DONTNEED (its fault-around maps
// the written page again), then MADV_PAGEOUT: reclaim drops clean pages, so
// the device's write must have made the page dirty, and the CPU must read it.
void Worker::pageoutDirty()
{
    tally(OpPageoutDirty);
    size_t p = 1 + rng_.below(kPages - 2);
    size_t q = p > 1 && rng_.chance(50) ? p - 1 : p + 1;
    if (kind_ == Kind::Shmem) {
        madvise(page(p), kPage, MADV_REMOVE); // a hole in the file
        expectPattern(p, 1, 0);
        cpuCheck(p, 1, "pageout-dirty: MADV_REMOVE"); // read in: a new page, clean
    } else {
        cpuWrite(p, 1, rng_.next() | 1);
        madvise(page(p), kPage, MADV_FREE); // clean: undefined until written
    }
    uint64_t value = rng_.next() | 1;
    if (!runOk([&] { return copy_->fill(page(p), value, kPage); }, nullptr, "pageout-dirty: fill"))
        fillWords(page(p), kPage, value); // reported; a known state again
    expectPattern(p, 1, value);
    madvise(page(q), kPage, MADV_DONTNEED);
    if (kind_ != Kind::Shmem)
        expectPattern(q, 1, 0);
    if (rng_.chance(50)) {
        deviceVerify(q, 1, "pageout-dirty: the neighbour read");
    } else {
        uint64_t w = rng_.next() | 1;
        if (!runOk([&] { return copy_->fill(page(q), w, kPage); }, nullptr, "pageout-dirty: the neighbour written"))
            fillWords(page(q), kPage, w);
        expectPattern(q, 1, w);
    }
    madvise(page(std::min(p, q)), 2 * kPage, MADV_PAGEOUT);
    cpuCheck(p, 1, "pageout-dirty: a device write, a fault-around and MADV_PAGEOUT");
    cpuCheck(q, 1, "pageout-dirty: the neighbour after MADV_PAGEOUT");
}

// What the EXEC and VM_DESTROY threads of destroyExecRace() share: they
// may outlive the step if one of them hangs.
struct ExecDestroyRace {
    std::optional<vsvm::Vm> vm;
    std::optional<vsvm::CopyQueue> queue;
    std::optional<vsvm::Result<vsvm::Fence>> exec;
    std::atomic<bool> execDone{false}, destroyDone{false};
};

bool waitFlag(const std::atomic<bool>& flag, std::chrono::milliseconds limit)
{
    auto end = std::chrono::steady_clock::now() + limit;
    while (!flag.load()) {
        if (std::chrono::steady_clock::now() > end)
            return false;
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

// Waits for a page fault on @p uffd's range, for at most kStallTimeout.
bool awaitFault(int uffd)
{
    pollfd pfd{uffd, POLLIN, 0};
    uffd_msg msg{};
    return poll(&pfd, 1, int(std::chrono::milliseconds(kStallTimeout).count())) == 1 &&
           read(uffd, &msg, sizeof(msg)) == ssize_t(sizeof(msg)) && msg.event == UFFD_EVENT_PAGEFAULT;
}

// VM_DESTROY racing an EXEC that is stalled reading its command array (a
// userfaultfd-registered page): the EXEC fails with ENOENT, or, if the
// destroy had not returned before the stall was resolved, its job may run
// to an end; nothing hangs; a new VM works afterwards.
void Worker::destroyExecRace()
{
    if (!features_.userfaultfd)
        return;
    tally(OpDestroyExecRace);
    vsvm::UniqueFd uffd(int(syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK)));
    uffdio_api api{};
    api.api = UFFD_API;
    uffdio_register reg{};
    reg.range = {uint64_t(stall_.get()), kPage};
    reg.mode = UFFDIO_REGISTER_MODE_MISSING;
    if (!uffd || ioctl(uffd.get(), UFFDIO_API, &api) || ioctl(uffd.get(), UFFDIO_REGISTER, &reg))
        return failed(fmt::format("destroy-exec-race: userfaultfd: {}", strerror(errno)));
    auto race = std::make_shared<ExecDestroyRace>();
    auto vm = vsvm::Vm::create(device_);
    if (!vm)
        return failed(fmt::format("destroy-exec-race: {}", vm.status().message()));
    race->vm.emplace(std::move(*vm));
    race->queue.emplace(*race->vm);
    uint8_t* target = scratch_.get() + kPage;
    uint64_t old = rng_.next() | 1, value = old + 2;
    fillWords(target, kPage, old);
    // What the EXEC finds once the stall is resolved.
    auto* source = reinterpret_cast<vsvm::CopyCommand*>(scratch_.get());
    *source = vsvm::CopyCommand::fill(target, value, kPage);

    const auto* cmds = reinterpret_cast<const vsvm::CopyCommand*>(stall_.get());
    std::thread exec([race, cmds] {
        race->exec.emplace(race->queue->submit({cmds, 1}));
        race->execDone = true;
    });
    bool stalled = awaitFault(uffd.get());
    std::thread destroy([race] {
        race->vm.reset();
        race->destroyDone = true;
    });
    bool destroyedFirst = waitFlag(race->destroyDone, 1000ms);
    uffdio_copy copy{};
    copy.dst = uint64_t(stall_.get());
    copy.src = uint64_t(source);
    copy.len = kPage;
    if (ioctl(uffd.get(), UFFDIO_COPY, &copy))
        failed(fmt::format("destroy-exec-race: UFFDIO_COPY: {}", strerror(errno)));
    bool ended = waitFlag(race->execDone, kJobTimeout) && waitFlag(race->destroyDone, kJobTimeout);
    ioctl(uffd.get(), UFFDIO_UNREGISTER, &reg.range);
    madvise(stall_.get(), kPage, MADV_DONTNEED); // missing again for the next time
    if (!ended) {
        // Left to the kernel: the shared state lives as long as the threads.
        exec.detach();
        destroy.detach();
        return unexpected(fmt::format("destroy-exec-race: {} still blocked after {} s",
                                      race->execDone ? "VM_DESTROY" : "EXEC", kJobTimeout.count()));
    }
    exec.join();
    destroy.join();
    if (!stalled)
        unexpected(fmt::format("destroy-exec-race: EXEC did not read its command array within {} s",
                               kStallTimeout.count()));
    destroyExecOutcome(*race->exec, destroyedFirst, old, value);

    auto fresh = vsvm::Vm::create(device_);
    if (!fresh)
        return failed(fmt::format("destroy-exec-race: a new VM: {}", fresh.status().message()));
    vsvm::CopyQueue queue(*fresh);
    uint64_t again = value + 2;
    if (runOk([&] { return queue.fill(target, again, kPage); }, nullptr, "destroy-exec-race: a new VM") &&
        !holds(target, kPage, again))
        mismatch("destroy-exec-race: the fill of a new VM ended OK, its data is not there");
}

// ENOENT and nothing written; or a job that runs to an end (its out-syncobj
// signals) and wrote its page whole or not at all, accepted before the
// destroy returned (uapi: accepted before it, or -ENOENT).
void Worker::destroyExecOutcome(const vsvm::Result<vsvm::Fence>& exec, bool destroyedFirst, uint64_t old,
                                uint64_t value)
{
    const uint8_t* target = scratch_.get() + kPage;
    if (!exec && exec.status().errnum() == ENOENT) {
        tally(OpDestroyExecEnoent);
        if (!holds(target, kPage, old))
            mismatch("destroy-exec-race: EXEC failed with ENOENT, yet its fill wrote");
        return;
    }
    if (!exec)
        return unexpected(fmt::format("destroy-exec-race: {}", exec.status().message()));
    tally(OpDestroyExecRan);
    if (destroyedFirst)
        unexpected("destroy-exec-race: EXEC accepted a job for a VM whose VM_DESTROY had returned");
    uint32_t syncobj = exec->syncobj();
    if (drmSyncobjWait(device_.fd(), &syncobj, 1, stress::nowNs() + 120'000'000'000ll, 0, nullptr))
        return unexpected(fmt::format("destroy-exec-race: the job of an EXEC racing VM_DESTROY never ended: {}",
                                      strerror(errno)));
    if (!holds(target, kPage, old) && !holds(target, kPage, value))
        mismatch("destroy-exec-race: the job of an EXEC racing VM_DESTROY left its page half written");
}

// Now and then the whole region, by device and by CPU.
void Worker::fullCheck()
{
    deviceVerify(1, kPages - 1, "full check");
    cpuCheck(1, kPages - 1, "full check");
    checkCounters("full check");
}

void Worker::run()
{
    // Every step with its weight: how often it comes.
    static constexpr struct {
        unsigned weight;
        void (Worker::*step)();
    } kSteps[] = {
        {5, &Worker::fillRace},     {4, &Worker::checksumRace},    {2, &Worker::atomicsRace},
        {1, &Worker::dontneed},     {2, &Worker::munmapRemap},     {2, &Worker::mremapStep},
        {1, &Worker::readOnlyWrite}, {1, &Worker::forkCow},        {1, &Worker::munmapRace},
        {1, &Worker::collapseRemap}, {1, &Worker::mapFixedRace},   {1, &Worker::secretMemory},
        {1, &Worker::pageoutDirty}, {1, &Worker::destroyExecRace}, {2, &Worker::fullCheck},
    };
    constexpr unsigned kTotal =
        std::accumulate(std::begin(kSteps), std::end(kSteps), 0u, [](unsigned t, const auto& s) { return t + s.weight; });
    while (!sh_.stop.load(std::memory_order_relaxed)) {
        uint64_t r = rng_.below(kTotal);
        for (const auto& s : kSteps) {
            if (r < s.weight) {
                (this->*s.step)();
                break;
            }
            r -= s.weight;
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

// Once, before the processes start, so that a missing feature gets one note.
Features probeFeatures(const std::string& path)
{
    Features f;
    if (auto dev = vsvm::Device::open(path)) {
        auto caps = dev->queryParam(DRM_VSVM_PARAM_CAPABILITIES);
        f.deviceMemory = caps && (*caps & DRM_VSVM_CAP_DEVICE_MEMORY);
    }
    if (!f.deviceMemory)
        fmt::print(stderr, "vsvm-soak: note: the device has no memory of its own: no to-device/to-system "
                           "changes\n");
    vsvm::UniqueFd secret(int(syscall(SYS_memfd_secret, O_CLOEXEC)));
    f.secretMemory = secret || errno != ENOSYS;
    if (!f.secretMemory)
        fmt::print(stderr, "vsvm-soak: note: memfd_secret: {}: the secret-memory step is skipped\n", strerror(ENOSYS));
    vsvm::UniqueFd uffd(int(syscall(SYS_userfaultfd, O_CLOEXEC)));
    f.userfaultfd = bool(uffd);
    if (!f.userfaultfd)
        fmt::print(stderr, "vsvm-soak: note: userfaultfd: {}: the destroy-exec-race step is skipped\n",
                   strerror(errno));
    return f;
}

Report runProcess(const Options& opt, const Features& features, const std::string& path, unsigned process,
                  double seconds)
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
        workers.push_back(std::make_unique<Worker>(sh, features, *device, *atomics, t,
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
                 "munmap, mmap(MAP_FIXED), mremap, MADV_COLLAPSE, MADV_PAGEOUT, memfd_secret, fork, "
                 "clear_refs, NUMA migration, VM_DESTROY racing a stalled EXEC) while the device "
                 "reads, writes and updates it atomically; every sync point checks the data. A job "
                 "ending RETRIES counts as unexpected. Exit status 0 when nothing mismatched and "
                 "nothing unexpected happened."};
    app.add_option("--duration", opt.duration, "how long: 90, 90s, 2m, 1h")->capture_default_str();
    app.add_option("--processes", opt.processes, "processes")->capture_default_str()->check(CLI::Range(1u, 16u));
    app.add_option("--threads", opt.threads, "worker threads per process (each with a VM)")
        ->capture_default_str()
        ->check(CLI::Range(1u, 16u));
    app.add_option("--seed", opt.seed, "seed")->capture_default_str();
    app.add_option("--device", opt.device, "render node (default: the first vsvm device)");
    if (auto exitStatus = vsvm::tools::parseCommandLine(app, argc, argv))
        return *exitStatus;

    double seconds;
    try {
        seconds = parseDuration(opt.duration);
    } catch (const std::exception&) {
        seconds = -1;
    }
    if (!(seconds > 0)) {
        fmt::print(stderr, "vsvm-soak: bad --duration {}: a positive number of seconds, optionally with s, m "
                           "or h\n", opt.duration);
        return vsvm::tools::kBadUsage;
    }
    std::string path = opt.device;
    if (path.empty()) {
        auto dev = vsvm::Device::open(std::size_t{0});
        if (!dev) {
            fmt::print(stderr, "vsvm-soak: {}\n", dev.status().message());
            return 1;
        }
        path = dev->path();
    }

    const Features features = probeFeatures(path);
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::pair<pid_t, int>> children;
    for (unsigned p = 0; p < opt.processes; p++) {
        int fds[2];
        if (pipe(fds))
            return 1;
        pid_t pid = fork();
        if (pid == 0) {
            close(fds[0]);
            Report rep = runProcess(opt, features, path, p, seconds);
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
        if (i < NumSteps)
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

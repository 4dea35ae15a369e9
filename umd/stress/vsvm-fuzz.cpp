// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors
//
// vsvm-fuzz: hostile input for the vsvm ioctls, seeded and bounded.
//
// Every round runs in a child process of its own (seed = --seed + round):
//
//  - ioctl phase: random and mutated arguments for every vsvm ioctl, and
//    random command numbers in the driver's range with random sizes and
//    directions. Every errno must be in the documented set of the ioctl
//    (uapi/vsvm_drm.h), every call built valid must succeed (a valid
//    PREFETCH too: collisions with invalidations are retried, EAGAIN is a
//    violation), every job must end with a defined status, valid jobs must
//    end OK (RETRIES is a violation: since uapi 0.4 the engines retry
//    collisions for as long as a job may run), and valid copy jobs are
//    checked byte for byte.
//  - copy phase: random copy-engine command buffers, ending OK or FAULT with
//    the fault inside the failing command's ranges.
//  - program phase: random compute programs over random grids.
//
// Device addresses that a job may write are confined to a sandbox: a 4 TiB
// PROT_NONE reservation with a small window of accessible memory in its
// middle, plus address ranges that cannot be mapped (below the lowest
// mapping of the process, above the user address space). A canary outside
// the sandbox is compared at the end of each round of the first two phases;
// running in a child keeps a stray device write from fooling the parent's
// checks. Random programs compute their own addresses, so the program phase
// checks statuses only.
//
// Output: one "fuzz:" summary line and per-ioctl errno counts; exit status 0
// when nothing was violated.

#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <xf86drm.h>

#include "cli.h"
#include "vsvm/device.h"
#include "vsvm/isa.h"
#include "vsvm/unique_fd.h"
#include "stress_util.h"
#include "vsvm_drm.h"

namespace {

namespace stress = vsvm::stress;

constexpr uint64_t KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB, TiB = 1024 * GiB;
constexpr uint64_t kUserEnd = 1ull << 47; // x86-64 4-level user address space
constexpr unsigned kNumIoctls = 9;        // DRM_VSVM_GET_PARAM .. VM_GET_ATTR
constexpr unsigned kMaxLiveVms = 8;
// The args area: command arrays from its start, the raw-number buffer here.
constexpr uint64_t kRawOffset = 44 * 1024;

using stress::fnv1a;
using stress::nowNs;

// The fuzzer's generator: its salt keeps it apart from the soak's.
struct Rng : stress::Rng {
    explicit Rng(uint64_t seed) : stress::Rng(seed, 0x5eed) {}
};

const char* ioctlName(unsigned index)
{
    static const char* names[] = {"GET_PARAM", "VM_CREATE", "VM_DESTROY", "EXEC",
                                  "WAIT", "VM_COUNTERS", "VM_PREFETCH", "VM_SET_ATTR",
                                  "VM_GET_ATTR"};
    return index < kNumIoctls ? names[index] : "unassigned";
}

uint64_t bit(int e) { return 1ull << e; }

// Where a job that ended RETRIES gave up, for its violation message.
std::string retriesNote(const drm_vsvm_wait& w)
{
    if (w.status != DRM_VSVM_JOB_RETRIES)
        return "";
    return fmt::format(" (RETRIES: {} at {:#x}, command {})",
                       w.fault_access == DRM_VSVM_ACCESS_WRITE ? "write" : "read", w.fault_addr, w.cmd_index);
}

// The errnos each ioctl documents (uapi/vsvm_drm.h, docs/uapi.rst). Every
// ioctl may also fail with EFAULT (argument not copyable) and ENOMEM: the
// DRM core copies the argument in and out and may allocate for it.
uint64_t allowedErrnos(unsigned index)
{
    const uint64_t core = bit(EFAULT) | bit(ENOMEM);
    switch (index) {
    case DRM_VSVM_GET_PARAM:
        return core | bit(EINVAL);
    case DRM_VSVM_VM_CREATE:
        // With DRM_VSVM_VM_CREATE_PIDFD: a bad pidfd, a gone process, a
        // denied attach, a kernel without the feature.
        return core | bit(EINVAL) | bit(ENOSPC) | bit(EBADF) | bit(ESRCH) | bit(EACCES) |
               bit(EOPNOTSUPP);
    case DRM_VSVM_VM_DESTROY:
        return core | bit(EINVAL) | bit(ENOENT);
    case DRM_VSVM_EXEC:
        return core | bit(EINVAL) | bit(ENOENT) | bit(EACCES) | bit(ESRCH);
    case DRM_VSVM_WAIT:
        return core | bit(ETIME) | bit(EINTR) | bit(EINVAL) | bit(ENOENT);
    case DRM_VSVM_VM_COUNTERS:
        return core | bit(ENOENT);
    case DRM_VSVM_VM_PREFETCH:
        // EAGAIN: still in the header's list, though PREFETCH now retries
        // collisions; fuzzPrefetch() makes it a violation for a valid call.
        return core | bit(EINVAL) | bit(ENOENT) | bit(EACCES) | bit(EPERM) | bit(EAGAIN) |
               bit(EINTR) | bit(EOPNOTSUPP);
    case DRM_VSVM_VM_SET_ATTR:
        // ESRCH: the VM's process is gone.
        return core | bit(EINVAL) | bit(ENOENT) | bit(EACCES) | bit(EOPNOTSUPP) | bit(ESRCH);
    case DRM_VSVM_VM_GET_ATTR:
        return core | bit(EINVAL) | bit(ENOENT);
    default:
        return bit(EINVAL); // no ioctl at this number
    }
}

// The driver's own request of each ioctl, for its direction and size.
unsigned long requestOf(unsigned index)
{
    static const unsigned long requests[] = {
        DRM_IOCTL_VSVM_GET_PARAM, DRM_IOCTL_VSVM_VM_CREATE,   DRM_IOCTL_VSVM_VM_DESTROY,
        DRM_IOCTL_VSVM_EXEC,      DRM_IOCTL_VSVM_WAIT,        DRM_IOCTL_VSVM_VM_COUNTERS,
        DRM_IOCTL_VSVM_VM_PREFETCH, DRM_IOCTL_VSVM_VM_SET_ATTR, DRM_IOCTL_VSVM_VM_GET_ATTR};
    static_assert(std::size(requests) == kNumIoctls);
    return requests[index];
}

// What a child reports to the parent through a pipe.
struct Stats {
    uint64_t calls = 0, ok = 0, validCalls = 0, mutatedCalls = 0, rawCalls = 0;
    uint64_t violations = 0;
    uint64_t jobs = 0, validJobs = 0, verifiedBytes = 0;
    std::array<uint64_t, DRM_VSVM_JOB_CANCELED + 2> status{}; // last: unknown
    std::array<std::array<uint64_t, 64>, kNumIoctls + 1> errnos{}; // last: unassigned nrs
    uint64_t copyJobs = 0, programs = 0;
    uint64_t canaryChecks = 0;

    void add(const Stats& o)
    {
        calls += o.calls, ok += o.ok, validCalls += o.validCalls, mutatedCalls += o.mutatedCalls;
        rawCalls += o.rawCalls, violations += o.violations, jobs += o.jobs;
        validJobs += o.validJobs, verifiedBytes += o.verifiedBytes, copyJobs += o.copyJobs;
        programs += o.programs, canaryChecks += o.canaryChecks;
        for (size_t i = 0; i < status.size(); i++)
            status[i] += o.status[i];
        for (size_t i = 0; i < errnos.size(); i++)
            for (size_t e = 0; e < 64; e++)
                errnos[i][e] += o.errnos[i][e];
    }
};

/**
 * The memory a round's device accesses may touch. A 4 TiB PROT_NONE
 * reservation; in its middle a window of areas, each with PROT_NONE around.
 * Any range that starts in the window and is at most 1 TiB long (the largest
 * command, DRM_VSVM_CMD_MAX_SIZE) stays inside the reservation.
 */
struct Sandbox {
    uint8_t* base = nullptr;
    uint64_t size = 4 * TiB;
    uint8_t* window = nullptr; // 64 MiB
    uint8_t* rw = nullptr;     // 4 MiB read-write
    uint8_t* ro = nullptr;     // 1 MiB read-only, filled
    uint8_t* none = nullptr;   // 1 MiB PROT_NONE inside the window
    uint8_t* thp = nullptr;    // 4 MiB read-write, MADV_HUGEPAGE, 2 MiB aligned
    uint8_t* shm = nullptr;    // 1 MiB MAP_SHARED memfd
    uint8_t* verify = nullptr; // 1 MiB: only valid jobs write here
    uint8_t* code = nullptr;   // 64 KiB read-only: store-free programs only
    uint8_t* args = nullptr;   // 64 KiB read-write: ioctl argument buffers
    uint64_t lowHoleEnd = 0;   // nothing is mapped below this address

    static constexpr uint64_t kRw = 4 * MiB, kRo = 1 * MiB, kThp = 4 * MiB, kShm = 1 * MiB,
                              kVerify = 1 * MiB, kCode = 64 * KiB, kArgs = 64 * KiB;

    bool create()
    {
        void* p = mmap(nullptr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED)
            return false;
        base = static_cast<uint8_t*>(p);
        window = base + size / 2;
        // Areas 4 MiB apart (2 MiB aligned), PROT_NONE between them; the
        // code area has more than DRM_VSVM_CODE_MAX_SIZE of guard after it.
        rw = window;
        ro = window + 8 * MiB;
        none = window + 12 * MiB;
        thp = window + 16 * MiB;
        shm = window + 24 * MiB;
        verify = window + 28 * MiB;
        args = window + 32 * MiB;
        code = window + 40 * MiB; // the last area: PROT_NONE for 2 TiB after it
        auto open = [](uint8_t* a, uint64_t n, int prot) {
            return mprotect(a, n, prot) == 0;
        };
        if (!open(rw, kRw, PROT_READ | PROT_WRITE) || !open(thp, kThp, PROT_READ | PROT_WRITE) ||
            !open(verify, kVerify, PROT_READ | PROT_WRITE) ||
            !open(args, kArgs, PROT_READ | PROT_WRITE) || !open(ro, kRo, PROT_READ | PROT_WRITE) ||
            !open(code, kCode, PROT_READ | PROT_WRITE))
            return false;
        madvise(thp, kThp, MADV_HUGEPAGE);
        memset(ro, 0xa5, kRo);
        if (!open(ro, kRo, PROT_READ))
            return false;
        vsvm::UniqueFd fd(memfd_create("vsvm-fuzz", MFD_CLOEXEC));
        if (!fd || ftruncate(fd.get(), kShm) ||
            mmap(shm, kShm, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd.get(), 0) == MAP_FAILED)
            return false;
        lowHoleEnd = lowestMapping();
        return lowHoleEnd > 0;
    }

    // The code area holds @p program at its start and s_endpgm everywhere
    // else, then becomes read-only: whatever entry a mutated dispatch picks
    // inside it runs no store.
    void loadCode(const std::vector<uint64_t>& program)
    {
        auto* words = reinterpret_cast<uint64_t*>(code);
        for (size_t i = 0; i < kCode / 8; i++)
            words[i] = i < program.size() ? program[i] : uint64_t(VSVM_OP_S_ENDPGM);
        mprotect(code, kCode, PROT_READ);
    }

    static uint64_t lowestMapping()
    {
        std::ifstream maps("/proc/self/maps");
        uint64_t lowest = ~0ull;
        std::string line;
        while (std::getline(maps, line))
            lowest = std::min<uint64_t>(lowest, std::stoull(line.substr(0, line.find('-')), nullptr, 16));
        return lowest == ~0ull ? 0 : lowest;
    }

    bool inReservation(uint64_t a, uint64_t n) const
    {
        uint64_t b = uint64_t(base);
        return a >= b && n <= size && a - b <= size - n;
    }
    bool inArea(uint64_t a, uint64_t n, const uint8_t* area, uint64_t areaSize) const
    {
        uint64_t s = uint64_t(area);
        return a < s + areaSize && s < a + n;
    }

    // May the device write [a, a + n)? Inside the reservation but outside
    // the verify and argument areas, or in memory that cannot be mapped.
    bool writable(uint64_t a, uint64_t n) const
    {
        if (!n)
            return true;
        if (a + n <= a) // reaches the top, perhaps wraps: both pieces must be safe
            return a >= kUserEnd && writable(0, a + n);
        if (a + n <= lowHoleEnd || a >= kUserEnd)
            return true;
        return inReservation(a, n) && !inArea(a, n, verify, kVerify) && !inArea(a, n, args, kArgs);
    }

    // Does [a, a + n) lie in memory the device can write?
    bool deviceWritable(uint64_t a, uint64_t n) const
    {
        for (auto [area, len] : {std::pair{rw, kRw}, {thp, kThp}, {shm, kShm}, {verify, kVerify}})
            if (a >= uint64_t(area) && n <= len && a - uint64_t(area) <= len - n)
                return true;
        return false;
    }

    // Is nothing of [a, a + n) readable? For program fetches outside the code area.
    bool unreadable(uint64_t a, uint64_t n) const
    {
        if (!n)
            return true;
        if (a + n <= a)
            return a >= kUserEnd && unreadable(0, a + n);
        if (a + n <= lowHoleEnd || a >= kUserEnd)
            return true;
        if (!inReservation(a, n))
            return false;
        for (auto [area, len] : {std::pair{rw, kRw}, {ro, kRo}, {thp, kThp}, {shm, kShm},
                                 {verify, kVerify}, {code, kCode}, {args, kArgs}})
            if (inArea(a, n, area, len))
                return false;
        return true;
    }
};

/// The canary: a mapping outside the sandbox, filled from a seed.
struct Canary {
    static constexpr size_t kSize = 256 * KiB;
    uint8_t* p = nullptr;
    uint64_t seed = 0;
    void fill(uint64_t s)
    {
        seed = s;
        p = static_cast<uint8_t*>(mmap(nullptr, kSize, PROT_READ | PROT_WRITE,
                                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        Rng r(seed);
        for (size_t i = 0; i < kSize; i += 8) {
            uint64_t v = r.next();
            memcpy(p + i, &v, 8);
        }
    }
    bool intact() const
    {
        Rng r(seed);
        for (size_t i = 0; i < kSize; i += 8) {
            uint64_t v = r.next();
            if (memcmp(p + i, &v, 8))
                return false;
        }
        return true;
    }
};

struct Job {
    uint32_t vm;
    uint64_t id;
    uint32_t engine;
    bool valid;
    std::vector<drm_vsvm_cmd> cmds; // copy jobs, to check where a fault was
    bool hadInFences = false;
};

class Fuzzer {
public:
    Fuzzer(int fd, uint64_t seed) : fd_(fd), rng_(seed), seed_(seed) {}

    bool setUp();
    void ioctlPhase(uint64_t iterations);
    void copyPhase(uint64_t jobs);
    void programPhase(uint64_t programs);
    void finish();

    Stats stats;

private:
    // --- calls ---------------------------------------------------------
    int rawIoctl(unsigned long request, void* arg)
    {
        return ioctl(fd_, request, arg) == 0 ? 0 : errno;
    }
    int call(unsigned index, unsigned long request, void* arg, bool valid, const char* what);
    void violation(const std::string& msg)
    {
        stats.violations++;
        if (stats.violations <= 20)
            fmt::print(stderr, "vsvm-fuzz: seed {}: VIOLATION: {}\n", seed_, msg);
    }

    // --- value pools ------------------------------------------------------
    uint64_t boundary();
    uint64_t deviceAddr();
    uint64_t userPtr(void* good, size_t goodSize, bool forWrite);
    uint64_t size();
    uint32_t vmId();
    uint64_t jobId();
    void flipBits(void* p, size_t n);

    // --- builders -----------------------------------------------------------
    drm_vsvm_cmd randomCmd(bool anyOp);
    bool cmdSafe(const drm_vsvm_cmd& c) const;
    drm_vsvm_dispatch benignDispatch();
    bool dispatchSafe(const drm_vsvm_dispatch& d) const;

    void fuzzGetParam(bool valid);
    void fuzzVmCreate(bool valid);
    void fuzzVmDestroy(bool valid);
    void fuzzExecCopy(bool valid);
    void fuzzExecCompute(bool valid);
    void fuzzWait(bool valid);
    void fuzzCounters(bool valid);
    void fuzzPrefetch(bool valid);
    void fuzzRawNumber();
    void verifiedCopyJob();

    void submitted(uint32_t vm, uint64_t id, uint32_t engine, bool valid,
                   std::vector<drm_vsvm_cmd> cmds = {}, bool inFences = false);
    void forgetVm(uint32_t vm);
    void drain();
    void checkJob(const Job& job, const drm_vsvm_wait& w);

    int fd_;
    Rng rng_;
    uint64_t seed_;
    Sandbox sb_;
    std::vector<uint32_t> vms_;
    std::vector<Job> jobs_;
    std::vector<uint32_t> syncobjs_; // [0] signalled, [1] without fence, more
    std::array<uint32_t, 2 * DRM_VSVM_EXEC_MAX_IN_SYNCOBJS> inSyncobjs_{}; // read by the kernel only
    std::vector<uint64_t> benign_;
};

bool Fuzzer::setUp()
{
    if (!sb_.create())
        return false;
    // Loads only: v0 is the lane's global id.
    auto assembled = vsvm::isa::assemble("s_load_u64 s20, s0\n"
                                         "v_shl_b64 v1, v0, 2\n"
                                         "v_add_u64 v1, v1, s1\n"
                                         "v_load_u32 v2, v1\n"
                                         "s_endpgm\n");
    if (!assembled.ok())
        return false;
    benign_ = assembled.program.words;
    sb_.loadCode(benign_);
    for (int i = 0; i < 4; i++) {
        uint32_t h = 0;
        if (drmSyncobjCreate(fd_, i == 0 ? DRM_SYNCOBJ_CREATE_SIGNALED : 0, &h))
            return false;
        syncobjs_.push_back(h);
    }
    drm_vsvm_vm_create c{};
    c.flags = DRM_VSVM_VM_CREATE_SVM;
    if (rawIoctl(DRM_IOCTL_VSVM_VM_CREATE, &c))
        return false;
    vms_.push_back(c.vm_id);
    return true;
}

int Fuzzer::call(unsigned index, unsigned long request, void* arg, bool valid, const char* what)
{
    int err = rawIoctl(request, arg);
    stats.calls++;
    (valid ? stats.validCalls : stats.mutatedCalls)++;
    stats.errnos[std::min(index, kNumIoctls)][err < 64 ? err : 63]++;
    if (!err) {
        stats.ok++;
        return 0;
    }
    if (valid && !(err == ENOSPC && index == DRM_VSVM_VM_CREATE))
        violation(fmt::format("valid {} ({}) failed: {}", ioctlName(index), what, strerror(err)));
    else if (err >= 64 || !(allowedErrnos(index) & bit(err)))
        violation(fmt::format("{} ({}) returned undocumented errno {} ({})", ioctlName(index),
                              what, err, strerror(err)));
    return err;
}

uint64_t Fuzzer::boundary()
{
    static const std::vector<uint64_t> values = {
        0, 1, 2, 7, 8, 15, 16, 63, 64, 255, 256, 257, 4095, 4096, 4097, 0x7fff, 0x8000,
        0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull,
        DRM_VSVM_EXEC_MAX_CMDS, DRM_VSVM_EXEC_MAX_CMDS + 1, DRM_VSVM_EXEC_MAX_IN_SYNCOBJS,
        DRM_VSVM_EXEC_MAX_IN_SYNCOBJS + 1, DRM_VSVM_CMD_MAX_SIZE, DRM_VSVM_CMD_MAX_SIZE + 1,
        DRM_VSVM_CODE_MAX_SIZE, DRM_VSVM_CODE_MAX_SIZE + 8, DRM_VSVM_MAX_GROUPS,
        DRM_VSVM_MAX_GROUPS + 1, VSVM_ISA_MAX_GROUP_LANES, VSVM_ISA_MAX_GROUP_LANES + 1,
        DRM_VSVM_COUNTER_COUNT, DRM_VSVM_COUNTER_COUNT + 1, DRM_VSVM_WAIT_MAX_KEPT,
        kUserEnd - 1, kUserEnd, 0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull - 7, ~0ull};
    return rng_.pick(values);
}

// A device address: mostly inside the window's areas, often in unmapped,
// PROT_NONE or read-only memory, sometimes absurd.
uint64_t Fuzzer::deviceAddr()
{
    auto in = [&](const uint8_t* area, uint64_t len) {
        uint64_t off = rng_.chance(20) ? len - 1 - rng_.below(64) : rng_.below(len);
        return uint64_t(area) + off;
    };
    switch (rng_.below(14)) {
    case 0: case 1: case 2: return in(sb_.rw, Sandbox::kRw);
    case 3: return in(sb_.thp, Sandbox::kThp);
    case 4: return in(sb_.shm, Sandbox::kShm);
    case 5: return in(sb_.ro, Sandbox::kRo);
    case 6: return in(sb_.none, 1 * MiB);
    case 7: return in(sb_.code, Sandbox::kCode);
    case 8: return uint64_t(sb_.base) + rng_.below(sb_.size);
    case 9: return rng_.below(sb_.lowHoleEnd);
    case 10: return kUserEnd + rng_.below(1ull << 40);
    case 11: return 0xffffffffff600000ull; // vsyscall page
    case 12: return getauxval(AT_SYSINFO_EHDR) + rng_.below(4096); // vDSO: read only
    default: return boundary();
    }
}

// A pointer the kernel reads (or, @p forWrite, writes) as an ioctl argument.
uint64_t Fuzzer::userPtr(void* good, size_t goodSize, bool forWrite)
{
    switch (rng_.below(8)) {
    case 0: return 0;
    case 1: return uint64_t(sb_.none) + rng_.below(MiB);
    case 2: return uint64_t(sb_.ro);            // not writable
    case 3: return kUserEnd + rng_.below(4096); // not a user address
    case 4: return ~0ull - rng_.below(64);
    case 5: // the good buffer, ending at the PROT_NONE guard after the args area
        if (!forWrite && goodSize <= Sandbox::kArgs) {
            uint8_t* end = sb_.args + Sandbox::kArgs - goodSize / 2;
            memmove(end, good, goodSize / 2);
            return uint64_t(end);
        }
        return uint64_t(good);
    default: return uint64_t(good);
    }
}

uint64_t Fuzzer::size()
{
    switch (rng_.below(6)) {
    case 0: return boundary();
    case 1: return 1 + rng_.below(16);
    case 2: return 1 + rng_.below(Sandbox::kRw);
    default: return 1 + rng_.below(16 * KiB);
    }
}

uint32_t Fuzzer::vmId()
{
    if (!vms_.empty() && rng_.chance(75))
        return rng_.pick(vms_);
    return uint32_t(rng_.chance(50) ? rng_.below(8) : boundary());
}

uint64_t Fuzzer::jobId()
{
    if (!jobs_.empty() && rng_.chance(70))
        return jobs_[rng_.below(jobs_.size())].id;
    return rng_.chance(50) ? rng_.below(4096) : boundary();
}

void Fuzzer::flipBits(void* p, size_t n)
{
    auto* b = static_cast<uint8_t*>(p);
    for (unsigned k = 1 + rng_.below(3); k--;)
        b[rng_.below(n)] ^= uint8_t(1u << rng_.below(8));
}

drm_vsvm_cmd Fuzzer::randomCmd(bool anyOp)
{
    drm_vsvm_cmd c{};
    c.op = uint32_t(anyOp && rng_.chance(10) ? rng_.below(6) : 1 + rng_.below(3));
    c.size = rng_.chance(70) ? 1 + rng_.below(64 * KiB) : size();
    c.dst = deviceAddr();
    if (c.op != DRM_VSVM_CMD_FILL)
        c.src = deviceAddr();
    if (c.op == DRM_VSVM_CMD_FILL)
        c.value = rng_.next();
    if (c.op == DRM_VSVM_CMD_CHECKSUM)
        c.dst &= ~7ull;
    return c;
}

// Could the device write outside the sandbox? Checked on what the kernel
// would see; the destination range is taken for every op.
bool Fuzzer::cmdSafe(const drm_vsvm_cmd& c) const
{
    return sb_.writable(c.dst, std::max<uint64_t>(c.size, 8));
}

drm_vsvm_dispatch Fuzzer::benignDispatch()
{
    drm_vsvm_dispatch d{};
    d.code_ptr = uint64_t(sb_.code);
    d.code_size = benign_.size() * 8;
    d.isa_version = VSVM_ISA_VERSION;
    d.group_size[0] = uint32_t(1 + rng_.below(64));
    d.group_size[1] = d.group_size[2] = 1;
    d.num_groups[0] = uint32_t(1 + rng_.below(4));
    d.num_groups[1] = d.num_groups[2] = 1;
    d.num_args = 2;
    d.args[0] = uint64_t(sb_.rw) + (rng_.below(Sandbox::kRw - 8) & ~7ull);
    d.args[1] = uint64_t(sb_.rw) + (rng_.below(Sandbox::kRw / 2) & ~7ull);
    return d;
}

// A dispatch runs only store-free code: its fetches start in the code area,
// or nothing it could fetch is readable.
bool Fuzzer::dispatchSafe(const drm_vsvm_dispatch& d) const
{
    // Nothing but PROT_NONE follows the code area for far more than any code_size.
    if (d.code_ptr >= uint64_t(sb_.code) && d.code_ptr < uint64_t(sb_.code) + Sandbox::kCode)
        return true;
    return sb_.unreadable(d.code_ptr, DRM_VSVM_CODE_MAX_SIZE + 8);
}

void Fuzzer::fuzzGetParam(bool valid)
{
    drm_vsvm_get_param p{};
    p.param = uint32_t(1 + rng_.below(7));
    if (!valid) {
        switch (rng_.below(3)) {
        case 0: flipBits(&p, sizeof(p)); break;
        case 1: p.param = uint32_t(boundary()); break;
        default: (&p.flags)[rng_.below(3)] = uint32_t(boundary()); break;
        }
    }
    if (call(DRM_VSVM_GET_PARAM, DRM_IOCTL_VSVM_GET_PARAM, &p, valid, "param") || !valid)
        return;
    bool sane = true;
    switch (p.param) {
    case DRM_VSVM_PARAM_UAPI_VERSION: sane = p.value == DRM_VSVM_UAPI_VERSION; break;
    case DRM_VSVM_PARAM_CAPABILITIES: sane = !(p.value & ~DRM_VSVM_CAPS_ALL); break;
    case DRM_VSVM_PARAM_VA_BITS: sane = p.value >= 47 && p.value <= 57; break;
    case DRM_VSVM_PARAM_ISA_VERSION: sane = p.value == VSVM_ISA_VERSION; break;
    default: sane = p.value > 0; break;
    }
    if (!sane)
        violation(fmt::format("GET_PARAM {} gave {}", p.param, p.value));
}

void Fuzzer::fuzzVmCreate(bool valid)
{
    if (valid && vms_.size() >= kMaxLiveVms)
        return fuzzVmDestroy(true);
    drm_vsvm_vm_create c{};
    c.flags = DRM_VSVM_VM_CREATE_SVM;
    int pidfd = -1;
    if (valid && rng_.chance(10)) {
        // A VM on a pidfd of this process itself: allowed, mirrors us.
        pidfd = int(syscall(SYS_pidfd_open, getpid(), 0));
        if (pidfd >= 0) {
            c.flags |= DRM_VSVM_VM_CREATE_PIDFD;
            c.pidfd = pidfd;
        }
    } else if (!valid) {
        if (rng_.chance(50))
            flipBits(&c, sizeof(c));
        else if (rng_.chance(30))
            c.extensions = boundary();
        else if (rng_.chance(30))
            c.flags = uint32_t(boundary());
        else {
            // The pidfd member: garbage, a file that is no pidfd, or set without the flag.
            c.pidfd = int32_t(boundary());
            if (rng_.chance(50))
                c.flags |= DRM_VSVM_VM_CREATE_PIDFD;
        }
    }
    int failed = call(DRM_VSVM_VM_CREATE, DRM_IOCTL_VSVM_VM_CREATE, &c, valid, "create");
    if (pidfd >= 0)
        close(pidfd);
    if (failed)
        return;
    if (!c.vm_id || std::count(vms_.begin(), vms_.end(), c.vm_id))
        violation(fmt::format("VM_CREATE gave id {}, zero or in use", c.vm_id));
    vms_.push_back(c.vm_id);
    while (vms_.size() > kMaxLiveVms) {
        drm_vsvm_vm_destroy d{};
        d.vm_id = vms_.front();
        call(DRM_VSVM_VM_DESTROY, DRM_IOCTL_VSVM_VM_DESTROY, &d, true, "trim");
        forgetVm(d.vm_id);
    }
}

void Fuzzer::fuzzVmDestroy(bool valid)
{
    drm_vsvm_vm_destroy d{};
    if (valid && vms_.size() < 2)
        return fuzzVmCreate(true);
    d.vm_id = valid ? vms_[rng_.below(vms_.size())] : vmId();
    if (!valid) {
        if (rng_.chance(50))
            flipBits(&d, sizeof(d));
        else
            d.pad = uint32_t(boundary());
    }
    if (call(DRM_VSVM_VM_DESTROY, DRM_IOCTL_VSVM_VM_DESTROY, &d, valid, "destroy") == 0)
        forgetVm(d.vm_id);
}

void Fuzzer::forgetVm(uint32_t vm)
{
    std::erase(vms_, vm);
    std::erase_if(jobs_, [vm](const Job& j) { return j.vm == vm; });
}

void Fuzzer::submitted(uint32_t vm, uint64_t id, uint32_t engine, bool valid,
                       std::vector<drm_vsvm_cmd> cmds, bool inFences)
{
    stats.jobs++;
    jobs_.push_back({vm, id, engine, valid, std::move(cmds), inFences});
    if (jobs_.size() >= 256)
        drain();
}

void Fuzzer::fuzzExecCopy(bool valid)
{
    if (vms_.empty())
        return fuzzVmCreate(true);
    uint32_t n = uint32_t(1 + rng_.below(rng_.chance(90) ? 8 : 64));
    auto* cmds = reinterpret_cast<drm_vsvm_cmd*>(sb_.args);
    for (uint32_t i = 0; i < n; i++) {
        drm_vsvm_cmd c{};
        if (valid) {
            // Inside the read-write area, reads anywhere in the window.
            c.op = uint32_t(1 + rng_.below(3));
            c.size = 1 + rng_.below(32 * KiB);
            c.dst = uint64_t(sb_.rw) + rng_.below(Sandbox::kRw - c.size - 8);
            if (c.op == DRM_VSVM_CMD_CHECKSUM)
                c.dst &= ~7ull;
            if (c.op == DRM_VSVM_CMD_FILL)
                c.value = rng_.next();
            else
                c.src = uint64_t(rng_.chance(50) ? sb_.thp : sb_.rw) + rng_.below(2 * MiB);
        } else {
            do {
                c = randomCmd(true);
                if (rng_.chance(30))
                    flipBits(&c, sizeof(c));
            } while (!cmdSafe(c));
        }
        cmds[i] = c;
    }
    drm_vsvm_exec e{};
    e.vm_id = valid ? rng_.pick(vms_) : vmId();
    e.engine = DRM_VSVM_ENGINE_COPY;
    e.cmds_ptr = uint64_t(cmds);
    e.num_cmds = n;
    // Commands past the n built are zero (op 0): a num_cmds made larger
    // fails on them instead of running stale bytes.
    memset(cmds + n, 0, kRawOffset - n * sizeof(*cmds));
    uint32_t* in = inSyncobjs_.data();
    if (rng_.chance(30)) {
        e.num_in_syncobjs = uint32_t(1 + rng_.below(3));
        for (uint32_t i = 0; i < e.num_in_syncobjs; i++)
            in[i] = syncobjs_[valid ? 0 : rng_.below(syncobjs_.size())];
        e.in_syncobjs_ptr = uint64_t(in);
    }
    if (rng_.chance(30))
        e.out_syncobj = syncobjs_[2 + rng_.below(2)];
    if (!valid) {
        switch (rng_.below(6)) {
        case 0:
            // Not the commands pointer: shifted into the commands, it would
            // make the kernel read fields as addresses no check has seen.
            flipBits(&e, offsetof(drm_vsvm_exec, cmds_ptr));
            flipBits(&e.num_cmds, sizeof(e) - offsetof(drm_vsvm_exec, num_cmds));
            break;
        case 1: e.cmds_ptr = userPtr(cmds, n * sizeof(drm_vsvm_cmd), false); break;
        case 2: e.in_syncobjs_ptr = userPtr(in, 16, false), e.num_in_syncobjs = 4; break;
        case 3: (rng_.chance(50) ? e.num_cmds : e.num_in_syncobjs) = uint32_t(boundary()); break;
        case 4: e.out_syncobj = uint32_t(rng_.chance(50) ? boundary() : rng_.below(64)); break;
        default: break; // the commands alone are hostile
        }
        // Copy commands read as dispatches were never checked for stores.
        if (e.engine == DRM_VSVM_ENGINE_COMPUTE)
            e.engine = 0;
    }
    if (call(DRM_VSVM_EXEC, DRM_IOCTL_VSVM_EXEC, &e, valid, "copy"))
        return;
    // A bit flip may have made num_cmds smaller: the rest never ran.
    submitted(e.vm_id, e.job_id, DRM_VSVM_ENGINE_COPY, valid,
              std::vector<drm_vsvm_cmd>(cmds, cmds + std::min(e.num_cmds, n)), e.num_in_syncobjs != 0);
}

void Fuzzer::fuzzExecCompute(bool valid)
{
    if (vms_.empty())
        return fuzzVmCreate(true);
    auto* d = reinterpret_cast<drm_vsvm_dispatch*>(sb_.args);
    uint32_t n = uint32_t(1 + rng_.below(4));
    for (uint32_t i = 0; i < n; i++) {
        d[i] = benignDispatch();
        if (valid)
            continue;
        drm_vsvm_dispatch m;
        do {
            m = d[i];
            switch (rng_.below(6)) {
            case 0: flipBits(&m, sizeof(m)); break;
            case 1: m.code_ptr = rng_.chance(50) ? deviceAddr() : uint64_t(sb_.code) + rng_.below(Sandbox::kCode); break;
            case 2: m.code_size = rng_.chance(50) ? boundary() : 8 * rng_.below(Sandbox::kCode / 8); m.entry = uint32_t(rng_.chance(50) ? boundary() : 8 * rng_.below(64)); break;
            case 3: m.group_size[rng_.below(3)] = uint32_t(boundary()); m.num_groups[rng_.below(3)] = uint32_t(rng_.chance(50) ? boundary() : rng_.below(8)); break;
            case 4: m.num_args = uint32_t(rng_.chance(50) ? boundary() : rng_.below(17)); m.args[rng_.below(16)] = deviceAddr(); break;
            default: m.isa_version = uint32_t(boundary()); m.flags = uint32_t(rng_.below(4)); break;
            }
            // A grid of millions of workgroups takes minutes under TCG.
            uint64_t groups = uint64_t(m.num_groups[0]) * m.num_groups[1] * m.num_groups[2];
            if (groups > 64 && groups <= uint64_t(DRM_VSVM_MAX_GROUPS) * DRM_VSVM_MAX_GROUPS * DRM_VSVM_MAX_GROUPS &&
                m.num_groups[0] && m.num_groups[1] && m.num_groups[2] &&
                m.num_groups[0] <= DRM_VSVM_MAX_GROUPS && m.num_groups[1] <= DRM_VSVM_MAX_GROUPS &&
                m.num_groups[2] <= DRM_VSVM_MAX_GROUPS && rng_.chance(90))
                m.num_groups[0] = m.num_groups[1] = m.num_groups[2] = 1;
        } while (!dispatchSafe(m));
        d[i] = m;
    }
    drm_vsvm_exec e{};
    e.vm_id = valid ? rng_.pick(vms_) : vmId();
    e.engine = DRM_VSVM_ENGINE_COMPUTE;
    e.cmds_ptr = uint64_t(d);
    e.num_cmds = n;
    if (!valid && rng_.chance(20))
        e.cmds_ptr = userPtr(d, n * sizeof(*d), false); // unreadable, or the 0xa5 of the ro area
    if (call(DRM_VSVM_EXEC, DRM_IOCTL_VSVM_EXEC, &e, valid, "compute"))
        return;
    submitted(e.vm_id, e.job_id, DRM_VSVM_ENGINE_COMPUTE, valid);
}

void Fuzzer::fuzzWait(bool valid)
{
    drm_vsvm_wait w{};
    if (valid) {
        if (jobs_.empty())
            return fuzzExecCopy(true);
        drain();
        return;
    }
    w.vm_id = vmId();
    w.job_id = jobId();
    w.timeout_ns = rng_.chance(50) ? 0 : nowNs() + int64_t(rng_.below(2000000));
    switch (rng_.below(4)) {
    case 0: flipBits(&w, sizeof(w)); break;
    case 1: (rng_.chance(50) ? w.pad : w.pad2) = uint32_t(boundary()); break;
    case 2: w.timeout_ns = int64_t(boundary()); break;
    default: w.flags = uint32_t(rng_.chance(50) ? boundary() : 0); break;
    }
    // An absurd deadline on a job that runs long would stall the round.
    if (w.timeout_ns > nowNs() + 20'000'000'000ll || w.timeout_ns < 0)
        w.timeout_ns = rng_.chance(50) ? -1 : 1;
    call(DRM_VSVM_WAIT, DRM_IOCTL_VSVM_WAIT, &w, false, "wait");
}

void Fuzzer::fuzzCounters(bool valid)
{
    if (vms_.empty())
        return fuzzVmCreate(true);
    drm_vsvm_vm_counters c{};
    auto* buf = reinterpret_cast<uint64_t*>(sb_.rw + Sandbox::kRw - 4096);
    c.vm_id = valid ? rng_.pick(vms_) : vmId();
    c.count = valid ? uint32_t(DRM_VSVM_COUNTER_COUNT) : uint32_t(rng_.chance(50) ? rng_.below(40) : boundary());
    c.counters_ptr = valid ? uint64_t(buf) : userPtr(buf, 4096, true);
    if (!valid && rng_.chance(30))
        flipBits(&c, sizeof(c));
    // The kernel writes at most DRM_VSVM_COUNTER_COUNT counters: keep them in the sandbox.
    if (!sb_.writable(c.counters_ptr, DRM_VSVM_COUNTER_COUNT * 8))
        c.counters_ptr = uint64_t(buf);
    if (call(DRM_VSVM_VM_COUNTERS, DRM_IOCTL_VSVM_VM_COUNTERS, &c, valid, "counters") == 0 &&
        c.count != DRM_VSVM_COUNTER_COUNT)
        violation(fmt::format("VM_COUNTERS set count {}", c.count));
}

void Fuzzer::fuzzPrefetch(bool valid)
{
    if (vms_.empty())
        return fuzzVmCreate(true);
    drm_vsvm_vm_prefetch p{};
    p.vm_id = valid ? rng_.pick(vms_) : vmId();
    p.start = uint64_t(rng_.chance(50) ? sb_.rw : sb_.thp) + rng_.below(2 * MiB);
    p.size = 1 + rng_.below(2 * MiB);
    p.flags = uint32_t(rng_.below(2));
    if (!valid) {
        switch (rng_.below(4)) {
        case 0: flipBits(&p, sizeof(p)); break;
        case 1: p.start = deviceAddr(); break;
        case 2: p.size = size(); break;
        default: p.flags = uint32_t(boundary()); break;
        }
    }
    // The other VMs' jobs fault in the same notifier window, but PREFETCH
    // retries collisions with their invalidations (with a back-off, until a
    // fatal signal) as the engines do: a valid one must succeed; EAGAIN is
    // a violation like any other error.
    call(DRM_VSVM_VM_PREFETCH, DRM_IOCTL_VSVM_VM_PREFETCH, &p, valid, "prefetch");
}

// A command number in the driver's range with a random size and direction:
// random bytes, or a mutated argument of the ioctl at that number.
void Fuzzer::fuzzRawNumber()
{
    unsigned index = unsigned(rng_.below(0x40));
    static const unsigned dirs[] = {_IOC_NONE, _IOC_READ, _IOC_WRITE, _IOC_READ | _IOC_WRITE};
    unsigned dir = dirs[rng_.below(4)];
    unsigned sz = unsigned(rng_.chance(50) ? rng_.below(129) : rng_.below(1u << _IOC_SIZEBITS));
    uint8_t* buf = sb_.args + kRawOffset; // room for the DRM core's write-back
    for (unsigned i = 0; i < (1u << _IOC_SIZEBITS); i += 8) {
        uint64_t v = rng_.chance(50) ? 0 : rng_.next();
        memcpy(buf + i, &v, 8);
    }
    if (index < kNumIoctls && rng_.chance(50)) {
        // The ioctl's own size and direction, now and then.
        if (rng_.chance(30)) {
            sz = _IOC_SIZE(requestOf(index));
            dir = _IOC_DIR(requestOf(index));
        }
    }
    // The kernel sees the first `sz` bytes if it copies in, zeros after.
    uint8_t seen[1u << _IOC_SIZEBITS] = {};
    bool copiesIn = index < kNumIoctls && (dir & _IOC_WRITE) && (_IOC_DIR(requestOf(index)) & _IOC_WRITE);
    if (copiesIn)
        memcpy(seen, buf, std::min<size_t>(sz, sizeof(seen)));
    if (index == DRM_VSVM_EXEC && copiesIn) {
        // Random bytes must not make the engines write outside the sandbox:
        // a struct that would pass the top-level checks gets a bad engine.
        drm_vsvm_exec e;
        memcpy(&e, seen, sizeof(e));
        if (e.engine == DRM_VSVM_ENGINE_COPY || e.engine == DRM_VSVM_ENGINE_COMPUTE) {
            uint32_t bad = 7;
            memcpy(buf + offsetof(drm_vsvm_exec, engine), &bad, 4);
        }
    }
    // The buffer, or a pointer the kernel cannot use (userPtr() hands out
    // no other writable memory).
    uint64_t arg = rng_.chance(15) ? userPtr(buf, sz, (dir & _IOC_READ) != 0) : uint64_t(buf);
    unsigned long request = _IOC(dir, DRM_IOCTL_BASE, DRM_COMMAND_BASE + index, sz);
    stats.rawCalls++;
    int err = call(index, request, reinterpret_cast<void*>(arg), false, "raw number");
    if (err || index >= kNumIoctls)
        return;
    // Learn what a successful call did to the state we track.
    bool copiesOut = (dir & _IOC_READ) && (_IOC_DIR(requestOf(index)) & _IOC_READ) && arg == uint64_t(buf);
    if (index == DRM_VSVM_VM_CREATE) {
        drm_vsvm_vm_create c{};
        // Without the write-back the id is lost: the VM lives until the file closes.
        if (copiesOut && sz >= sizeof(c)) {
            memcpy(&c, buf, sizeof(c));
            vms_.push_back(c.vm_id);
        }
    } else if (index == DRM_VSVM_VM_DESTROY) {
        drm_vsvm_vm_destroy d{};
        memcpy(&d, seen, sizeof(d));
        forgetVm(d.vm_id);
    }
}

// A valid job whose result is checked byte for byte: fill, copy, checksum
// in the verify area, which no other job may write.
void Fuzzer::verifiedCopyJob()
{
    if (vms_.empty())
        return fuzzVmCreate(true);
    uint64_t n = 1 + rng_.below(64 * KiB);
    uint8_t* a = sb_.verify + rng_.below(256 * KiB);
    uint8_t* b = sb_.verify + 384 * KiB + rng_.below(256 * KiB);
    auto* sum = reinterpret_cast<uint64_t*>(sb_.verify + 768 * KiB + (rng_.below(4096) & ~7ull));
    uint64_t value = rng_.next();
    memset(a, 0x5a, n);
    *sum = 0;
    drm_vsvm_cmd cmds[3] = {};
    cmds[0] = {DRM_VSVM_CMD_FILL, 0, 0, uint64_t(a), n, value};
    cmds[1] = {DRM_VSVM_CMD_COPY, 0, uint64_t(a), uint64_t(b), n, 0};
    cmds[2] = {DRM_VSVM_CMD_CHECKSUM, 0, uint64_t(b), uint64_t(sum), n, 0};
    drm_vsvm_exec e{};
    e.vm_id = rng_.pick(vms_);
    e.engine = DRM_VSVM_ENGINE_COPY;
    e.cmds_ptr = uint64_t(cmds);
    e.num_cmds = 3;
    if (call(DRM_VSVM_EXEC, DRM_IOCTL_VSVM_EXEC, &e, true, "verified copy"))
        return;
    stats.jobs++;
    stats.validJobs++;
    drm_vsvm_wait w{};
    w.vm_id = e.vm_id;
    w.job_id = e.job_id;
    w.timeout_ns = nowNs() + 60'000'000'000ll;
    if (call(DRM_VSVM_WAIT, DRM_IOCTL_VSVM_WAIT, &w, true, "verified wait"))
        return;
    stats.status[std::min<uint32_t>(w.status, DRM_VSVM_JOB_CANCELED + 1)]++;
    if (w.status != DRM_VSVM_JOB_OK)
        return violation(fmt::format("valid copy job ended with status {}{}", w.status, retriesNote(w)));
    std::vector<uint8_t> expect(n);
    for (uint64_t i = 0; i < n; i++)
        expect[i] = uint8_t(value >> (8 * (i % 8)));
    if (memcmp(a, expect.data(), n) || memcmp(b, expect.data(), n) ||
        *sum != fnv1a(expect.data(), n))
        return violation(fmt::format("valid copy job of {} bytes: wrong data", n));
    stats.verifiedBytes += 2 * n + 8;
}

void Fuzzer::checkJob(const Job& job, const drm_vsvm_wait& w)
{
    stats.status[std::min<uint32_t>(w.status, DRM_VSVM_JOB_CANCELED + 1)]++;
    if (job.valid) {
        stats.validJobs++;
        if (w.status != DRM_VSVM_JOB_OK)
            violation(fmt::format("valid job {} of VM {} (engine {}) ended with status {}{}", job.id, job.vm,
                                  job.engine, w.status, retriesNote(w)));
        return;
    }
    bool compute = job.engine == DRM_VSVM_ENGINE_COMPUTE;
    // The commands that ran to their end touched only accessible memory:
    // an access to memory the process could not access the same way must
    // fault, not give or take data.
    size_t completed = w.status == DRM_VSVM_JOB_OK ? job.cmds.size()
                       : w.status == DRM_VSVM_JOB_FAULT ? std::min<size_t>(w.cmd_index, job.cmds.size())
                                                        : 0;
    for (size_t i = 0; i < completed; i++) {
        const drm_vsvm_cmd& c = job.cmds[i];
        uint64_t written = c.op == DRM_VSVM_CMD_CHECKSUM ? 8 : c.size;
        bool badDst = !sb_.deviceWritable(c.dst, written);
        bool badSrc = c.op != DRM_VSVM_CMD_FILL && sb_.unreadable(c.src, 1);
        if (badDst || badSrc)
            violation(fmt::format("job {} (status {}): command {} (op {} src {:#x} dst {:#x} size {:#x}) "
                                  "completed though its {} is not accessible",
                                  job.id, w.status, i, c.op, c.src, c.dst, c.size,
                                  badDst ? "destination" : "source"));
    }
    switch (w.status) {
    case DRM_VSVM_JOB_OK:
        break;
    case DRM_VSVM_JOB_FAULT:
        if (w.fault_access != DRM_VSVM_ACCESS_READ && w.fault_access != DRM_VSVM_ACCESS_WRITE)
            violation(fmt::format("fault with access {}", w.fault_access));
        if (!compute && !job.cmds.empty()) {
            if (w.cmd_index >= job.cmds.size()) {
                violation(fmt::format("fault in command {} of {}", w.cmd_index, job.cmds.size()));
                break;
            }
            const drm_vsvm_cmd& c = job.cmds[w.cmd_index];
            auto within = [&](uint64_t a, uint64_t n) {
                return w.fault_addr >= (a & ~4095ull) && w.fault_addr - a < n;
            };
            bool inDst = within(c.dst, c.op == DRM_VSVM_CMD_CHECKSUM ? 8 : c.size);
            bool inSrc = c.op != DRM_VSVM_CMD_FILL && within(c.src, c.size);
            if (!(w.fault_access == DRM_VSVM_ACCESS_WRITE ? inDst : inSrc))
                violation(fmt::format("fault at {:#x} ({}) outside command {} (op {} src {:#x} dst {:#x} size {:#x})",
                                      w.fault_addr, w.fault_access, w.cmd_index, c.op, c.src, c.dst, c.size));
        }
        break;
    case DRM_VSVM_JOB_INVALID:
    case DRM_VSVM_JOB_TIMEOUT:
        if (!compute)
            violation(fmt::format("copy job ended with compute status {}", w.status));
        break;
    case DRM_VSVM_JOB_RETRIES:
        // Not produced since uapi 0.4 (collisions are retried for as long
        // as the job may run). A valid job ending so is a violation (above);
        // a hostile one is noted: worth a look.
        fmt::print(stderr, "vsvm-fuzz: seed {}: note: job {} of VM {} (engine {}) ended RETRIES at {:#x} "
                   "(access {}, command {})\n", seed_, job.id, job.vm, job.engine, w.fault_addr,
                   w.fault_access, w.cmd_index);
        break;
    case DRM_VSVM_JOB_CANCELED:
        // An in-syncobj may hold the fence of a job that failed.
        if (!job.hadInFences)
            violation(fmt::format("job {} without in-fences was canceled", job.id));
        break;
    default: {
        std::string cmd;
        if (w.cmd_index < job.cmds.size()) {
            const drm_vsvm_cmd& c = job.cmds[w.cmd_index];
            cmd = fmt::format(" (op {} src {:#x} dst {:#x} size {:#x})", c.op, c.src, c.dst, c.size);
        }
        violation(fmt::format("job {} of VM {} (engine {}) ended with status {}: address {:#x} access {} "
                              "command {}{}",
                              job.id, job.vm, job.engine, w.status, w.fault_addr, w.fault_access,
                              w.cmd_index, cmd));
        break;
    }
    }
}

void Fuzzer::drain()
{
    for (const Job& job : jobs_) {
        drm_vsvm_wait w{};
        w.vm_id = job.vm;
        w.job_id = job.id;
        w.timeout_ns = nowNs() + 120'000'000'000ll;
        if (call(DRM_VSVM_WAIT, DRM_IOCTL_VSVM_WAIT, &w, true, "job") == 0)
            checkJob(job, w);
    }
    jobs_.clear();
}

void Fuzzer::ioctlPhase(uint64_t iterations)
{
    for (uint64_t i = 0; i < iterations; i++) {
        bool valid = rng_.chance(30);
        switch (rng_.below(20)) {
        case 0: fuzzGetParam(valid); break;
        case 1: fuzzVmCreate(valid); break;
        case 2: fuzzVmDestroy(valid); break;
        case 3: case 4: case 5: fuzzExecCopy(valid); break;
        case 6: case 7: fuzzExecCompute(valid); break;
        case 8: case 9: fuzzWait(valid); break;
        case 10: fuzzCounters(valid); break;
        case 11: case 12: fuzzPrefetch(valid); break;
        case 13: verifiedCopyJob(); break;
        default: fuzzRawNumber(); break;
        }
    }
    drain();
}

// Random command buffers: every command's writes stay in the sandbox; the
// job ends OK or with a fault inside the failing command (checkJob()).
void Fuzzer::copyPhase(uint64_t count)
{
    if (vms_.empty())
        fuzzVmCreate(true);
    auto* cmds = reinterpret_cast<drm_vsvm_cmd*>(sb_.args);
    for (uint64_t j = 0; j < count && !vms_.empty(); j++) {
        uint32_t n = uint32_t(1 + rng_.below(rng_.chance(80) ? 16 : 256));
        // Hostile addresses, but well-formed commands: the submission must succeed.
        for (uint32_t i = 0; i < n; i++) {
            drm_vsvm_cmd& c = cmds[i];
            do {
                c = randomCmd(false);
                if (!c.size || c.size > DRM_VSVM_CMD_MAX_SIZE)
                    c.size = 1 + rng_.below(64 * KiB);
            } while (!cmdSafe(c) || c.dst + c.size < c.dst ||
                     (c.op != DRM_VSVM_CMD_FILL && c.src + c.size < c.src));
        }
        drm_vsvm_exec e{};
        e.vm_id = rng_.pick(vms_);
        e.engine = DRM_VSVM_ENGINE_COPY;
        e.cmds_ptr = uint64_t(cmds);
        e.num_cmds = n;
        if (call(DRM_VSVM_EXEC, DRM_IOCTL_VSVM_EXEC, &e, true, "random buffer"))
            continue;
        stats.copyJobs++;
        submitted(e.vm_id, e.job_id, DRM_VSVM_ENGINE_COPY, false, {cmds, cmds + n});
    }
    drain();
}

// The generator of vsvm_compute's random-programs, with random grids: words
// biased to defined opcodes and operands, branches forward only.
uint64_t randomWord(Rng& rng)
{
    static const uint8_t ops[] = {
        VSVM_OP_S_NOP, VSVM_OP_S_BARRIER, VSVM_OP_S_BRANCH, VSVM_OP_S_CBRANCH_Z,
        VSVM_OP_S_CBRANCH_EXECZ, VSVM_OP_S_MOV, VSVM_OP_S_ADD, VSVM_OP_S_AND, VSVM_OP_S_SHL,
        VSVM_OP_S_CMP_LT_U, VSVM_OP_V_MOV, VSVM_OP_V_ADD_U32, VSVM_OP_V_MUL_U32,
        VSVM_OP_V_DIV_U32, VSVM_OP_V_ADD_U64, VSVM_OP_V_SHL_B64, VSVM_OP_V_CVT_F32_I32,
        VSVM_OP_V_CVT_I32_F32, VSVM_OP_V_CNDMASK, VSVM_OP_V_ADD_F32, VSVM_OP_V_DIV_F32,
        VSVM_OP_V_MAC_F32, VSVM_OP_V_SQRT_F32, VSVM_OP_V_CMP_BASE + 8 * VSVM_CMP_F32 + VSVM_COND_LT,
        VSVM_OP_V_CMP_BASE + 8 * VSVM_CMP_U32 + VSVM_COND_NE, VSVM_OP_V_LOAD_U8,
        VSVM_OP_V_LOAD_I32, VSVM_OP_V_LOAD_U64, VSVM_OP_V_STORE_B32, VSVM_OP_V_STORE_B64,
        VSVM_OP_V_ATOMIC32_BASE + int(VSVM_ATOMIC_ADD), VSVM_OP_V_ATOMIC64_BASE + int(VSVM_ATOMIC_CMPXCHG),
        VSVM_OP_S_LOAD_U64, VSVM_OP_S_STORE_B32,
    };
    static const uint8_t codes[] = {0, 1, 2, 5, 7, 64, 65, 66, 70, 71, 128, 129, 130};
    uint64_t r = rng.next();
    uint8_t op = (r >> 56) % 8 ? ops[(r >> 32) % sizeof(ops)] : uint8_t(r);
    uint32_t imm = uint32_t(rng.next() >> 32);
    r = (r & ~0xffull) | op;
    if ((r >> 8) % 4) {
        r = (r & ~0xffffff00ull) | uint64_t(codes[(r >> 16) % sizeof(codes)]) << 8 |
            uint64_t(codes[(r >> 24) % sizeof(codes)]) << 16 |
            uint64_t(codes[(r >> 40) % sizeof(codes)]) << 24;
        imm = (r >> 48) & 1 ? imm % 64 : imm;
    }
    if (op >= VSVM_OP_S_BRANCH && op <= VSVM_OP_S_CBRANCH_EXECNZ)
        imm %= 8;
    return (r & 0xffffffffull) | uint64_t(imm) << 32;
}

// Random programs over random grids. Their arguments point into the window;
// a signed 32-bit offset from there stays in the reservation, but computed
// addresses can go anywhere, so this phase checks statuses, not the canary.
void Fuzzer::programPhase(uint64_t count)
{
    if (vms_.empty())
        fuzzVmCreate(true);
    constexpr unsigned kWords = 32, kBatch = 64;
    auto* code = reinterpret_cast<uint64_t*>(sb_.thp + 2 * MiB); // the upper half of the THP area
    for (uint64_t p = 0; p < count && !vms_.empty(); p += kBatch) {
        std::vector<std::pair<uint32_t, uint64_t>> batch;
        for (unsigned j = 0; j < kBatch && p + j < count; j++) {
            uint64_t* prog = code + j * kWords;
            unsigned len = unsigned(2 + rng_.below(kWords - 1));
            for (unsigned w = 0; w + 1 < len; w++)
                prog[w] = randomWord(rng_);
            prog[len - 1] = VSVM_OP_S_ENDPGM;
            drm_vsvm_dispatch d{};
            d.code_ptr = uint64_t(prog);
            d.code_size = len * 8;
            d.entry = uint32_t(rng_.chance(90) ? 0 : 8 * rng_.below(len));
            d.isa_version = VSVM_ISA_VERSION;
            d.group_size[0] = uint32_t(1 + rng_.below(48));
            d.group_size[1] = uint32_t(1 + rng_.below(2));
            d.group_size[2] = 1;
            d.num_groups[0] = uint32_t(1 + rng_.below(3));
            d.num_groups[1] = uint32_t(1 + rng_.below(2));
            d.num_groups[2] = 1;
            d.num_args = 4;
            for (unsigned k = 0; k < 4; k++)
                d.args[k] = uint64_t(sb_.rw) + rng_.below(Sandbox::kRw);
            drm_vsvm_exec e{};
            e.vm_id = rng_.pick(vms_);
            e.engine = DRM_VSVM_ENGINE_COMPUTE;
            e.cmds_ptr = uint64_t(&d);
            e.num_cmds = 1;
            if (call(DRM_VSVM_EXEC, DRM_IOCTL_VSVM_EXEC, &e, true, "random program") == 0)
                batch.emplace_back(e.vm_id, e.job_id);
        }
        for (auto [vm, id] : batch) {
            drm_vsvm_wait w{};
            w.vm_id = vm;
            w.job_id = id;
            w.timeout_ns = nowNs() + 120'000'000'000ll;
            if (call(DRM_VSVM_WAIT, DRM_IOCTL_VSVM_WAIT, &w, true, "program") != 0)
                continue;
            stats.programs++;
            stats.jobs++;
            stats.status[std::min<uint32_t>(w.status, DRM_VSVM_JOB_CANCELED + 1)]++;
            if (w.status != DRM_VSVM_JOB_OK && w.status != DRM_VSVM_JOB_FAULT &&
                w.status != DRM_VSVM_JOB_INVALID && w.status != DRM_VSVM_JOB_TIMEOUT)
                violation(fmt::format("random program ended with status {}", w.status));
        }
    }
}

void Fuzzer::finish()
{
    drain();
    for (uint32_t vm : std::vector<uint32_t>(vms_)) {
        drm_vsvm_vm_destroy d{};
        d.vm_id = vm;
        call(DRM_VSVM_VM_DESTROY, DRM_IOCTL_VSVM_VM_DESTROY, &d, true, "final destroy");
    }
    vms_.clear();
}

struct Options {
    uint64_t seed = 1;
    uint64_t count = 0;
    double duration = 60;
    uint64_t roundSize = 1500;
    std::string device;
    bool verbose = false;
};

// One round in a child: returns the child's stats, or violations = 1 when it
// died or could not report.
Stats runRound(const Options& opt, const std::string& path, uint64_t round, uint64_t iterations)
{
    int pipefd[2];
    Stats st;
    if (pipe(pipefd)) {
        st.violations = 1;
        return st;
    }
    uint64_t seed = opt.seed + round;
    pid_t pid = fork();
    if (pid == 0) {
        close(pipefd[0]);
        Canary canary;
        canary.fill(seed ^ 0xca4a7);
        int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
        Fuzzer f(fd, seed);
        if (fd < 0 || !f.setUp()) {
            fmt::print(stderr, "vsvm-fuzz: seed {}: set-up failed: {}\n", seed, strerror(errno));
            f.stats.violations++;
        } else {
            // Rounds alternate their emphasis; each runs every phase.
            f.ioctlPhase(iterations);
            f.copyPhase(iterations / 10 + 1);
            f.finish();
            f.stats.canaryChecks++;
            if (!canary.intact()) {
                fmt::print(stderr, "vsvm-fuzz: seed {}: VIOLATION: canary outside the sandbox changed\n", seed);
                f.stats.violations++;
            }
            f.programPhase(iterations / 10 + 1);
            f.finish();
        }
        if (write(pipefd[1], &f.stats, sizeof(f.stats)) != ssize_t(sizeof(f.stats)))
            _exit(2);
        _exit(f.stats.violations ? 1 : 0);
    }
    close(pipefd[1]);
    ssize_t got = pid > 0 ? read(pipefd[0], &st, sizeof(st)) : -1;
    close(pipefd[0]);
    int status = 0;
    if (pid > 0)
        waitpid(pid, &status, 0);
    if (got != ssize_t(sizeof(st)) || !WIFEXITED(status)) {
        fmt::print(stderr, "vsvm-fuzz: seed {}: VIOLATION: child {} ({})\n", seed,
                   WIFSIGNALED(status) ? fmt::format("killed by signal {}", WTERMSIG(status)) : "exited early",
                   got);
        st = Stats{};
        st.violations = 1;
    }
    return st;
}

} // namespace

int main(int argc, char** argv)
{
    Options opt;
    CLI::App app{"vsvm-fuzz: seeded hostile input for the vsvm ioctls, random copy command "
                 "buffers and random device programs. Each round runs in a child process "
                 "with seed SEED+round. Exit status 0 when no check failed."};
    app.add_option("--seed", opt.seed, "base seed")->capture_default_str();
    app.add_option("--count", opt.count, "ioctl-phase iterations in total (0: until --duration)")
        ->capture_default_str();
    app.add_option("--duration", opt.duration, "seconds to run when --count is 0")->capture_default_str();
    app.add_option("--round-size", opt.roundSize, "ioctl-phase iterations per child")->capture_default_str();
    app.add_option("--device", opt.device, "render node (default: the first vsvm device)");
    app.add_flag("--verbose", opt.verbose, "print every round");
    if (auto exitStatus = vsvm::tools::parseCommandLine(app, argc, argv))
        return *exitStatus;

    std::string path = opt.device;
    if (path.empty()) {
        auto dev = vsvm::Device::open(std::size_t{0});
        if (!dev) {
            fmt::print(stderr, "vsvm-fuzz: {}\n", dev.status().message());
            return 1;
        }
        path = dev->path();
    }
    setvbuf(stdout, nullptr, _IOLBF, 0);

    auto t0 = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    Stats total;
    uint64_t round = 0, done = 0;
    for (;; round++) {
        if (opt.count ? done >= opt.count : elapsed() >= opt.duration)
            break;
        uint64_t n = opt.count ? std::min(opt.roundSize, opt.count - done) : opt.roundSize;
        Stats st = runRound(opt, path, round, n);
        done += n;
        total.add(st);
        if (opt.verbose || st.violations)
            fmt::print("round {} (seed {}): {} calls, {} violations\n", round, opt.seed + round,
                       st.calls, st.violations);
    }

    const auto& s = total.status;
    fmt::print("fuzz: seed {} rounds {} time {:.0f}s calls {} ok {} valid {} mutated {} raw-number {} "
               "jobs {} (ok {} fault {} invalid {} timeout {} retries {} other {}) valid-jobs {} "
               "copy-buffers {} programs {} verified-bytes {} canary-checks {} violations {}\n",
               opt.seed, round, elapsed(), total.calls, total.ok, total.validCalls, total.mutatedCalls,
               total.rawCalls, total.jobs, s[DRM_VSVM_JOB_OK], s[DRM_VSVM_JOB_FAULT],
               s[DRM_VSVM_JOB_INVALID], s[DRM_VSVM_JOB_TIMEOUT], s[DRM_VSVM_JOB_RETRIES],
               s[0] + s[DRM_VSVM_JOB_NO_MM] + s[DRM_VSVM_JOB_NOMEM] + s[DRM_VSVM_JOB_CANCELED] +
                   s[DRM_VSVM_JOB_CANCELED + 1],
               total.validJobs, total.copyJobs, total.programs, total.verifiedBytes,
               total.canaryChecks, total.violations);
    for (unsigned i = 0; i <= kNumIoctls; i++) {
        std::string line;
        for (int e = 0; e < 64; e++)
            if (total.errnos[i][e])
                line += fmt::format(" {}:{}", e ? strerrorname_np(e) : "ok", total.errnos[i][e]);
        if (!line.empty())
            fmt::print("fuzz: {}{}\n", ioctlName(i), line);
    }
    return total.violations ? 1 : 0;
}

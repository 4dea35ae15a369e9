// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "vsvm/isa.h"
#include "vsvm/status.h"

/**
 * The SPIR-V -> vsvm ISA compiler back end (library vsvm_cc).
 *
 * compile() takes one SPIR-V module (a GLSL compute shader, or an OpenCL C
 * kernel from clang + llvm-spirv), validates it (SPIRV-Tools), optimises it
 * (spvtools::Optimizer: inlining, scalar replacement, SSA rewrite, DCE, CFG
 * simplification, constant folding, block merging; at -O0 only inlining and
 * SSA, which lowering needs), then lowers it to ISA v2 assembler text with
 * its own IR: structured control flow becomes exec-mask divergence as in
 * docs/isa.rst ("Divergence and reconvergence"), values that are the same in
 * every lane live in scalar registers (uniform branches use s_cbranch), and
 * the text is encoded by vsvm::isa::assemble(), so the assembler validates
 * every instruction the compiler writes. Front ends (OpenCL C, GLSL sources)
 * are in vsvm/frontend.h; this library only reads SPIR-V. Nothing throws
 * across this API.
 *
 * Kernel ABI (what a launch passes in s0..s15):
 *  - OpenCL kernels (Kernel capability): the OpFunctionParameters of the
 *    entry point, in order, one 64-bit slot each: __global and __constant
 *    pointers as addresses, integers zero- (unsigned) or sign- (signed)
 *    extended, float32 as its bits in the low 32 bits; a __local pointer as
 *    the offset in the workgroup's LDS of a buffer the caller reserves there
 *    (after the kernel's own ldsBytes); a vector by value as its bytes in
 *    memory order (3 components take the room of 4) over as many slots as
 *    it needs, little-endian. CompiledKernel::kernelParams says which.
 *  - GLSL compute shaders: the members of the push-constant block, in order,
 *    one slot each (PhysicalStorageBuffer64 pointers from buffer_reference,
 *    uint/int/float). Descriptor-bound buffers are not supported.
 *  - Hidden argument: when privateBytesPerLane > 0 (private arrays indexed
 *    at run time, register spills), one more pointer argument follows the
 *    user arguments (it is in the signature as "ptr private_stack"): the
 *    base of the per-lane private stacks. Lane L's stack is base + L * privateBytesPerLane, with
 *    L = flat global lane index = flat local id + lanes per workgroup *
 *    (group_x + num_groups_x * (group_y + num_groups_y * group_z)). The
 *    caller allocates privateBytesPerLane * total lanes bytes (8-aligned).
 *  - Built-ins come from the initial registers (docs/isa.rst, "Initial
 *    state"); GlobalOffset is 0 and get_work_dim() a compile error, unless
 *    the kernel takes a launch block (below).
 *  - Workgroup memory (OpenCL __local variables, GLSL shared) gets a static
 *    layout in the workgroup's LDS (ldsBytes of it).
 *
 * Launch block (Options::launchBlock, which the OpenCL ICD sets; OpenCL
 * kernels only: GLSL shaders, and callers that do not set it, keep the ABI
 * above): one more hidden pointer argument, "ptr launch" in the signature,
 * right after the user arguments that stay in registers and before
 * private_stack (CompiledKernel::launchSlot says which register). It holds
 * the address of a block of 64-bit little-endian words in host memory that
 * the caller writes per launch and keeps until the launch has ended:
 *    word 0 (kLaunchWorkDim):         work_dim (1-3), get_work_dim();
 *    words 1-3 (kLaunchGlobalOffset): the global offset in x, y, z,
 *                                     get_global_offset(); get_global_id()
 *                                     adds it to the lane's id;
 *    word 4 (kLaunchConstants):       the address of a copy of
 *                                     CompiledKernel::constants, the
 *                                     kernel's program-scope __constant
 *                                     data (0 when it has none);
 *    word 5 (kLaunchPrintf):          the address of the printf buffer
 *                                     (below; 0 when the kernel calls no
 *                                     printf);
 *    words 6... (kLaunchArgs):        the user arguments that do not fit in
 *                                     registers, one slot each as above.
 * User arguments take registers s0.. in order while they fit in
 * kLaunchRegisterSlots (two registers stay for launch and private_stack,
 * whose need is only known after register allocation); from the first one
 * that does not fit, they and all that follow go to the block
 * (KernelParamLayout::inLaunchBlock; CompiledKernel::launchSignature types
 * those words as signature does the registers). Arguments in registers cost
 * nothing to read, which is why only the overflow goes to memory; the
 * kernel reads a block argument with a scalar load where it is used, so
 * that 40 arguments do not need 40 live registers.
 *
 * printf (OpenCL C; needs the launch block): the caller gives a buffer of
 * 64-bit little-endian words, 8-aligned, and writes its header before the
 * launch: word 0 (kPrintfUsed) the record bytes reserved so far, 0; word 1
 * (kPrintfLost) the calls that did not fit, 0; word 2 (kPrintfCapacity)
 * the bytes for records after the header (a multiple of 8). Each call of a
 * work-item adds its record's size to word 0 atomically; when the old
 * value plus the size is at most the capacity it writes the record at
 * kPrintfRecords + old value and printf returns 0, else it writes nothing,
 * adds 1 to word 1 and returns -1. A record is one word, the format's index
 * in CompiledKernel::printfFormats (low 32 bits) and the record's bytes
 * (high 32 bits), then one word per scalar component of each argument in
 * order (PrintfArg): integers zero-extended from their width, floats as
 * their bits, pointers as addresses (a %s string is the address of a
 * string in the kernel's __constant data). Reservations only grow, so the
 * records that were written are the ones before the first that does not
 * fit in the capacity.
 *
 * Unsupported constructs are a Diagnostic naming the construct and, when the
 * module has OpLine, its file and line; compile() then fails (EINVAL):
 *  - double precision (float64 types or parameters): ISA v2 has no doubles
 *    (only printf's float arguments, which C's argument promotion makes
 *    doubles, and double constants passed to printf);
 *  - extended instructions other than the GLSL.std.450 / OpenCL.std ones
 *    that map to ISA instructions (front ends link libclc for the others);
 *  - function calls left after inlining (recursion, calls to declarations);
 *  - irreducible control flow (a cycle with several entries); other
 *    unstructured CFGs (OpenCL C) the back end structures itself or, when
 *    it cannot, lowers by linearisation (docs/compiler.rst, "Control flow");
 *  - kernels with more than 16 argument slots (hidden ones included)
 *    without a launch block;
 *  - more live uniform (scalar) values than the 39 free scalar registers
 *    (only vector registers are spilled);
 *  - program-scope __constant data without a launch block (GLSL, IL
 *    compiled without Options::launchBlock);
 *  - descriptor-bound buffers (GLSL StorageBuffer/Uniform), images,
 *    samplers, subgroup operations, float16, 64-bit LDS atomics, float
 *    atomics, and any other opcode the back end does not
 *    know (the diagnostic names it).
 *
 * Thread safety: compile() is a function of its arguments; call it from any
 * number of threads.
 */
namespace vsvm::cc {

struct Options {
    /// 0: only the passes lowering needs (inlining, SSA); 1 or more: the full pipeline.
    int optLevel = 2;
    /// The entry point to compile; empty: the module's only one.
    std::string entryPoint;
    /// Fill CompiledKernel::ir with the back end's IR (for debugging).
    bool emitIr = false;
    /// OpenCL kernels: take the launch block (the kernel ABI above); GLSL ignores it.
    bool launchBlock = false;
};

/// Byte offsets in the launch block (the kernel ABI above).
inline constexpr std::uint32_t kLaunchWorkDim = 0;
inline constexpr std::uint32_t kLaunchGlobalOffset = 8;
inline constexpr std::uint32_t kLaunchConstants = 32;
inline constexpr std::uint32_t kLaunchPrintf = 40;
inline constexpr std::uint32_t kLaunchArgs = 48;
/// With a launch block, user arguments in registers take at most this many slots.
inline constexpr std::uint32_t kLaunchRegisterSlots = 14;

/// Byte offsets in the printf buffer (the kernel ABI above).
inline constexpr std::uint32_t kPrintfUsed = 0;
inline constexpr std::uint32_t kPrintfLost = 8;
inline constexpr std::uint32_t kPrintfCapacity = 16;
inline constexpr std::uint32_t kPrintfRecords = 32;

/// One argument of a printf call, as its record holds it (one word per component).
struct PrintfArg {
    enum class Kind : std::uint8_t {
        Int,     ///< an integer of `bits` bits, zero-extended
        Float,   ///< a float of `bits` bits (32; 64 for a double constant)
        Pointer, ///< an address (%s, %p)
    };
    Kind kind = Kind::Int;
    std::uint8_t bits = 32;
    std::uint8_t components = 1; ///< a vector's components; 1 for a scalar

    bool operator==(const PrintfArg&) const = default;
};

/// One printf call site: its format string and the arguments it passes.
struct PrintfFormat {
    std::string format;
    std::vector<PrintfArg> args;

    bool operator==(const PrintfFormat&) const = default;
};

/// A compile error or warning, located by OpLine when the module has it.
struct Diagnostic {
    std::string file;
    unsigned line = 0, column = 0;
    std::string message;
};

/// "file:line:col: error: message" (or "error: message" without a location).
std::string formatDiagnostic(const Diagnostic& diagnostic);

/// How one parameter of an OpenCL kernel reaches it (the kernel ABI above).
struct KernelParamLayout {
    enum class Kind : std::uint8_t {
        Scalar,   ///< an integer or float in one slot, as the signature types it
        Global,   ///< a __global pointer: an address
        Constant, ///< a __constant pointer: an address the kernel only reads
        Local,    ///< a __local pointer: an LDS offset the caller chooses
        Vector,   ///< a vector by value: `bytes` bytes over `slots` slots
    };
    Kind kind = Kind::Scalar;
    /// The first argument slot: register s<firstSlot>, or with inLaunchBlock
    /// the word at kLaunchArgs + 8 * firstSlot of the launch block.
    std::uint32_t firstSlot = 0;
    std::uint32_t slots = 1;
    std::uint32_t bytes = 0; ///< Vector: the value's size in memory
    bool inLaunchBlock = false;

    bool operator==(const KernelParamLayout&) const = default;
};

struct CompiledKernel {
    /// Words, entry, signature (from the parameters); isaVersion 2 when v2 is used.
    isa::Program program;
    /// The entry point's name.
    std::string name;
    /// LocalSize / reqd_work_group_size; 0s when the module does not say.
    std::array<std::uint32_t, 3> localSize{0, 0, 0};
    /// Bytes of LDS the kernel's workgroup variables use.
    std::uint32_t ldsBytes = 0;
    /// Bytes of private stack per lane (hidden argument above); 0: none.
    std::uint64_t privateBytesPerLane = 0;
    /// The alignment the stacks' base must have (a power of two, 8 to 128:
    /// the largest of the variables placed there), so that every object
    /// in every lane's stack is at its alignment; 0 without stacks.
    std::uint64_t privateAlign = 0;
    /// OpenCL kernels: one per parameter of the entry point, in order; GLSL: empty.
    std::vector<KernelParamLayout> kernelParams;
    /// Options::launchBlock (OpenCL): the register that takes the launch block's address.
    std::optional<std::uint32_t> launchSlot;
    /// The argument words of the launch block (after kLaunchArgs), typed as signature types registers.
    KernelSignature launchSignature;
    /// Program-scope __constant data (OpenCL C's __constant arrays, tables
    /// and string literals), as the kernel reads it: the caller keeps a
    /// copy in memory the launch can read and puts its address in the
    /// launch block's kLaunchConstants word. Empty when the kernel has none.
    std::vector<std::uint8_t> constants;
    /// printf call sites (the kernel ABI above), in the order of their
    /// indices; empty: the kernel calls no printf and needs no buffer.
    std::vector<PrintfFormat> printfFormats;
    /// The generated assembler text (what was assembled).
    std::string assembly;
    /// The back end's IR before register allocation, when Options::emitIr.
    std::string ir;
};

/**
 * Compile the SPIR-V module @p spirv. Diagnostics (errors and warnings) go
 * to @p diagnostics when it is not null. Fails with EINVAL when the module is
 * invalid or uses something unsupported (the status message repeats the
 * first diagnostic).
 */
Result<CompiledKernel> compile(std::span<const std::uint32_t> spirv, const Options& options,
                               std::vector<Diagnostic>* diagnostics);

} // namespace vsvm::cc

// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vsvm/status.h"

/**
 * Front ends of the vsvm compiler (library vsvm_frontend): source to SPIR-V,
 * which the back end (vsvm/cc.h) turns into an ISA program.
 *
 * - OpenCL C 1.2 / 3.0: clang-14 (target spir64) and llvm-spirv-14, run as
 *   subprocesses in a private temporary directory, then the OpenCL builtins
 *   the back end does not implement natively are linked in from Debian's
 *   libclc SPIR-V library (libclc-14: /usr/lib/clc/spirv64-mesa3d-.spv).
 * - GLSL compute shaders: the glslang library, Vulkan 1.2 / SPIR-V 1.5.
 * - SPIR-V binaries from a file.
 *
 * Errors are Status values (nothing throws across this API). A compile error
 * keeps the compiler's own diagnostics, located as file:line:col with
 * the name given in the options (not the temporary file's).
 *
 * Thread safety: every function may be called from any number of threads.
 */
namespace vsvm::frontend {

enum class SourceKind : std::uint8_t {
    OpenCL, ///< .cl
    Glsl,   ///< .comp (compute shader)
    Spirv,  ///< .spv
};

/// "opencl", "glsl", "spirv".
const char* sourceKindName(SourceKind kind);

/// The kind of a file from its extension (.cl, .comp, .spv); EINVAL for any other.
Result<SourceKind> sourceKindFromPath(std::string_view path);

/// A SPIR-V module and what the compilers said that was not an error.
/// What OpenCL C says of one kernel parameter (clang's kernel_arg_*
/// metadata, which SPIR-V does not carry): clGetKernelArgInfo's answers.
struct KernelArgInfo {
    /// 0 private, 1 global, 2 constant, 3 local (SPIR address spaces).
    unsigned addressSpace = 0;
    /// "none", "read_only", "write_only" or "read_write".
    std::string access;
    /// As written, typedefs kept: "float4*", "uint", "struct node*".
    std::string typeName;
    /// Space-separated "const", "restrict", "volatile", "pipe"; may be empty.
    std::string typeQualifier;
    std::string name;

    bool operator==(const KernelArgInfo&) const = default;
};

struct Module {
    std::vector<std::uint32_t> words;
    /// Warnings (clang's, glslang's), empty when there were none.
    std::string warnings;
    /// Per kernel, its parameters' OpenCL C description (openclToSpirv only).
    std::map<std::string, std::vector<KernelArgInfo>> kernelArgs;
};

/// The kernel_arg_* metadata of clang's textual LLVM IR, per kernel.
std::map<std::string, std::vector<KernelArgInfo>> kernelArgInfoFromIr(std::string_view ir);

/// Which OpenCL.std extended instructions (by their name in the OpenCL.std
/// grammar: "exp", "s_min", "fma"...) the back end implements itself; the
/// others are linked from libclc.
using NativeExtInstPredicate = std::function<bool(std::string_view name)>;

/// The OpenCL.std instructions the vsvm back end (vsvm_cc) handles
/// natively: sqrt, rsqrt (and their native_ forms), fabs, floor, ceil,
/// trunc, rint, fma, mad, fmin, fmax, fclamp, the integer min/max/clamp/abs,
/// copysign, mul_hi, clz, ctz, popcount.
///
/// libclc's SPIR-V build (mesa3d) has no function for these, and leaves a
/// few more to its consumer, which its own functions use: select, mad24,
/// add_sat, upsample, nextafter, native_recip, native_divide (frexp uses
/// select, ldexp add_sat). A kernel that reaches one of those is an ENOEXEC error naming
/// it, until the back end implements it.
bool isNativeExtInst(std::string_view name);

struct OpenclOptions {
    /// "CL1.2" or "CL3.0" (clang's -cl-std=).
    std::string clStd = "CL1.2";
    /// 0 or 2 (clang's -O0 / -O2).
    int optLevel = 2;
    /// "NAME" or "NAME=VALUE" (clang's -D).
    std::vector<std::string> defines;
    /// Directories searched by #include (clang's -I).
    std::vector<std::string> includeDirs;
    /// The name diagnostics give the source ("kernel.cl:3:5: error: ...").
    std::string sourceName = "kernel.cl";
    /// OpenCL build options passed to clang as they are
    /// ("-cl-fp32-correctly-rounded-divide-sqrt", "-cl-denorms-are-zero"...).
    std::vector<std::string> buildOptions;
    /// Warnings are errors (clang's -Werror).
    bool warningsAsErrors = false;
    /// The OpenCL C extensions and optional features of the device the
    /// program is for ("cl_khr_byte_addressable_store", "__opencl_c_int64"):
    /// when set, clang defines exactly these macros and declares only their
    /// builtins (-cl-ext=-all,+NAME...), so that a kernel's #ifdef
    /// cl_khr_fp64 follows the device. Unset, clang's defaults for spir64,
    /// which has every extension.
    std::optional<std::vector<std::string>> extensions;
    /// Declare the builtins with clang's table-driven -fdeclare-opencl-builtins
    /// rather than the header (-finclude-default-header, the default).
    bool declareBuiltins = false;
    /// Link the non-native builtins from libclc. Without it, they stay
    /// OpenCL.std extended instructions.
    bool linkLibclc = true;
    /// The libclc SPIR-V library.
    std::string libclcPath = "/usr/lib/clc/spirv64-mesa3d-.spv";
    /// What the back end does natively; empty: isNativeExtInst.
    NativeExtInstPredicate native;
    /// Programs; found on PATH when they have no '/'.
    std::string clang = "clang-14";
    /// Assembles clang's textual IR after the repairs llvm-spirv-14 needs.
    std::string llvmAs = "llvm-as-14";
    std::string llvmSpirv = "llvm-spirv-14";
};

/**
 * OpenCL C @p source to a SPIR-V module (Kernel capability, Physical64;
 * version 1.0, or 1.4 when llvm-spirv uses its wrap decorations).
 * Errors: ENOENT for a missing tool or library (naming the Debian package),
 * EINVAL for a compile error (clang's messages), ENOEXEC for a builtin that
 * is neither native nor in libclc (naming it) and for what llvm-spirv-14
 * cannot translate.
 *
 * What llvm-spirv-14 writes is repaired where SPIR-V forbids it: blocks are
 * put in dominance order and OpPhi operands deduplicated. At -O1 and more,
 * clang runs without its vectorisers and loop exit-value replacement, whose
 * output llvm-spirv-14 cannot translate; when llvm-spirv still fails on
 * the optimised code, the source is compiled at -O0 and Module::warnings
 * says so ("note: compiled at -O0: ...").
 */
Result<Module> openclToSpirv(std::string_view source, const OpenclOptions& options = {});

/**
 * Link the non-native OpenCL.std builtins of @p words (a Kernel module, for
 * instance from llvm-spirv) from libclc; what openclToSpirv() does after
 * llvm-spirv. The functions of libclc that the module does not use are not
 * kept. Only libclcPath and native of @p options are used.
 */
Result<std::vector<std::uint32_t>> linkLibclc(std::vector<std::uint32_t> words, const OpenclOptions& options = {});

/**
 * Link OpenCL C objects (what openclToSpirv() gives with linkLibclc off)
 * into one module, as clLinkProgram does: an Import of one object is the
 * Export of another; the objects may be of different SPIR-V versions (the
 * module takes the highest). With @p library the result may still import
 * functions and is not linked with libclc (clLinkProgram's
 * -create-library); otherwise a function that no object defines is an
 * ENOEXEC error naming it, and the builtins are linked from libclc as
 * openclToSpirv() links them. EINVAL for no objects or words that are not
 * SPIR-V; ENOEXEC for what the linker refuses (a function defined twice).
 */
Result<std::vector<std::uint32_t>> linkOpenclObjects(std::vector<std::vector<std::uint32_t>> objects,
                                                     const OpenclOptions& options, bool library);

/// The names (linkage attributes) of the functions that @p words imports
/// and does not define; empty for a fully linked module. EINVAL if the words
/// are not a SPIR-V module.
Result<std::vector<std::string>> importedFunctions(const std::vector<std::uint32_t>& words);

/// The OpenCL.std extended instructions @p words uses, by name, once each.
Result<std::vector<std::string>> openclExtInsts(const std::vector<std::uint32_t>& words);

enum class GlslStage : std::uint8_t { Compute };

struct GlslOptions {
    /// "NAME" or "NAME=VALUE".
    std::vector<std::string> defines;
    std::string sourceName = "shader.comp";
    std::string entryPoint = "main";
};

/**
 * A GLSL compute shader (#version 450 or later) to a SPIR-V 1.5 module for
 * Vulkan 1.2 (GL_EXT_buffer_reference and the other extensions glslang
 * knows may be enabled by the shader). EINVAL with glslang's log
 * ("ERROR: shader.comp:3: ...") for a compile error.
 */
Result<Module> glslToSpirv(std::string_view source, GlslStage stage = GlslStage::Compute,
                           const GlslOptions& options = {});

/// A SPIR-V binary file (either byte order; returned in host order).
/// EINVAL if it is not SPIR-V, errno of the failed read otherwise.
Result<std::vector<std::uint32_t>> loadSpirv(const std::string& path);

/// Options of compileFile() for each kind of source.
struct FileOptions {
    OpenclOptions opencl;
    GlslOptions glsl;
};

/// Read @p path and compile it by its kind (sourceKindFromPath): OpenCL
/// (with the file's directory on the include path) or GLSL, or load it.
/// Diagnostics name the file by @p path.
Result<Module> compileFile(const std::string& path, FileOptions options = {});

} // namespace vsvm::frontend

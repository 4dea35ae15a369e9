// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "vsvm/oracle/oracle.h"
#include "vsvm/status.h"

/**
 * The differential-testing corpus (umd/corpus): kernels written as OpenCL C
 * (NAME.cl) and, where GLSL can express them, as GLSL compute shaders
 * (NAME.comp), described by one manifest, corpus.json:
 *
 *   {"kernels": [{
 *      "name": "saxpy", "entry": "saxpy", "glsl": true,
 *      "params": {"n": 4096},                  // integers for the expressions
 *      "global": ["n"], "local": [64],         // per dimension, missing ones are 1
 *      "buffers": [{"name": "x", "type": "f32", "count": "n",
 *                   "init": {"kind": "uniform", "min": -10, "max": 10}},
 *                  {"name": "y", ..., "output": {"ulp": 1}}],
 *      "args": [{"buffer": "x"}, {"buffer": "y"}, {"type": "u32", "value": "n"},
 *               {"type": "f32", "value": 2.5}]}]}
 *
 * Buffer types: i8 u8 i16 u16 i32 u32 i64 u64 f32, ptr (8-byte pointers),
 * and struct (with "stride" bytes per element and "pointers": [byte offsets
 * of 8-byte pointer fields]). Expressions: integers, params, + - * / % and
 * parentheses.
 *
 * Initialisers ("init"): zero, fill (value), iota (start, step), uniform
 * (min, max: integers, or floats for f32; "round": true for whole-number
 * floats), text (random characters of "alphabet"), and the pointer structures:
 * list (the buffer holds list heads into "pool", a struct buffer of nodes
 * {next pointer at 0, u32 value at 8}; "max_len"), graph (a struct buffer
 * of nodes {adj pointer at 0 into "edges", a ptr buffer; u32 degree at 8;
 * i32 level at 12, 0 for node 0 and -1 for the others}; "max_degree").
 * Inputs depend only on the seed and the names: every backend gets the same.
 *
 * A GLSL version declares its workgroup size from the defines LOCAL_X,
 * LOCAL_Y and LOCAL_Z (Instance::glslDefines()), so that every compiler of
 * it sees a constant size.
 *
 * Outputs ("output"): "exact" (bytes; pointer fields compared as offsets
 * into the kernel's buffers, so that different allocations compare equal),
 * {"ulp": N, "abs": E} for f32 (N units in the last place, or within E
 * when "abs" is given; NaN equals NaN), and
 * {"tree": {"pool": NAME, "left": OFF, "right": OFF, "value": OFF}} for a
 * buffer whose first element is the root pointer of a binary tree the
 * kernel built in the pool: the preorder walk is compared, not the pointers.
 */
namespace vsvm::oracle {

enum class ElemType : std::uint8_t { I8, U8, I16, U16, I32, U32, I64, U64, F32, Ptr, Struct };

struct InitSpec {
    std::string kind = "zero";
    double min = 0, max = 0, value = 0, start = 0, step = 1;
    std::string pool = {}; // list: the node pool; graph: the edge buffer
    std::uint64_t maxLen = 0;
    std::string text = {}; // text: the alphabet
    bool round = false;    // uniform f32: whole numbers (exact sums and products)
};

struct CompareSpec {
    enum class Kind : std::uint8_t { Exact, Ulp, Tree };
    Kind kind = Kind::Exact;
    std::uint32_t ulp = 0;
    /// Ulp: also equal when |expected - actual| <= abs (for sums whose
    /// rounding depends on the order and contraction a compiler picks).
    double abs = 0;
    std::string treePool = {};
    std::uint32_t left = 0, right = 8, value = 16;
};

struct BufferSpec {
    std::string name = {};
    ElemType type = ElemType::U32;
    std::uint32_t stride = 4;                 // bytes per element
    std::vector<std::uint32_t> pointerFields = {}; // struct: offsets of pointers; ptr: {0}
    std::string count = {}; // expression
    InitSpec init = {};
    std::optional<CompareSpec> output = std::nullopt;
};

struct ArgSpec {
    std::string buffer; // a pointer to this buffer, or empty for a scalar
    Arg::Kind type = Arg::Kind::U32;
    std::string value;  // expression, or a float for f32
};

struct KernelSpec {
    std::string name;
    std::string entry;
    bool glsl = false;
    std::string clOptions;
    std::map<std::string, std::int64_t> params;
    std::array<std::string, 3> global{"1", "1", "1"};
    std::array<std::string, 3> local{"1", "1", "1"};
    std::vector<BufferSpec> buffers;
    std::vector<ArgSpec> args;
    /// The data holds pointers the kernel follows (lists, graphs, trees).
    bool pointersInData() const;
};

struct Corpus {
    std::string dir;
    std::vector<KernelSpec> kernels;

    const KernelSpec* find(std::string_view name) const;
    std::string clPath(const KernelSpec& k) const { return dir + "/" + k.name + ".cl"; }
    std::string glslPath(const KernelSpec& k) const { return dir + "/" + k.name + ".comp"; }
};

/// Read DIR/corpus.json; EINVAL naming the kernel and field of any error.
Result<Corpus> loadCorpus(const std::string& dir);

/// The value of @p expression with @p params.
Result<std::int64_t> evaluate(std::string_view expression, const std::map<std::string, std::int64_t>& params);

/// Element size of a type (struct: the stride).
std::size_t elemSize(ElemType type);
const char* elemTypeName(ElemType type);

/// Memory for a buffer, from the backend that will run the kernel (so that
/// pointers stored in the data are ones the backend's device can follow).
using Allocator = std::function<Result<void*>(std::size_t bytes)>;

/// A kernel's buffers in memory, with its inputs generated, ready to run.
class Instance {
public:
    /// Evaluate the sizes, allocate every buffer with @p allocate (at
    /// least 1 byte each) and generate the inputs from @p seed.
    static Result<Instance> create(const KernelSpec& spec, std::uint64_t seed, const Allocator& allocate);

    const KernelSpec& spec() const { return *spec_; }
    NDRange range() const { return range_; }
    std::vector<Arg> args() const;
    std::vector<HostBuffer> buffers() const;
    /// The GLSL version's workgroup size: {"LOCAL_X=64", "LOCAL_Y=1", "LOCAL_Z=1"}.
    std::vector<std::string> glslDefines() const;

    struct Buffer {
        const BufferSpec* spec;
        std::uint8_t* data;
        std::size_t count;
        std::size_t bytes;
    };
    std::span<const Buffer> buffersInfo() const { return buffers_; }
    const Buffer* buffer(std::string_view name) const;

    /// The output buffers in comparable form: pointers as "buffer index << 48
    /// | offset" (all ones for a pointer into no buffer, 0 for null), trees as
    /// their preorder walk (u32 values, 0xffffffff for a missing child).
    std::map<std::string, std::vector<std::uint8_t>> outputs() const;

private:
    const KernelSpec* spec_ = nullptr;
    NDRange range_;
    std::vector<Buffer> buffers_;
    std::vector<std::uint64_t> scalarArgs_;
};

/// How @p actual compares with @p expected under @p rule, for @p buffer.
struct Comparison {
    bool equal = true;
    std::size_t mismatches = 0;
    std::string firstMismatch; // "element 17: expected 3, got 4"
};
Comparison compare(const BufferSpec& buffer, const CompareSpec& rule, std::span<const std::uint8_t> expected,
                   std::span<const std::uint8_t> actual);

} // namespace vsvm::oracle

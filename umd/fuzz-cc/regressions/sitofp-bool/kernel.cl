// Reduced from vsvm-fuzz-cc seed 1338: clang's InstCombine turns
// (float)(0u - (uint)(c)) into sitofp i1, which llvm-spirv-14 translates as
// OpSelect(c, 1, 0) + OpConvertSToF: +1.0 where -1.0 is right. The front
// end rewrites such conversions in the IR before llvm-spirv (llvm_ir.h).
#pragma OPENCL FP_CONTRACT OFF
kernel void fuzz(global const ulong* restrict in0, global const long* restrict in1, global const ulong* restrict in2, global ulong* restrict out, global uint* restrict counters)
{
    const uint gid = (uint)get_global_id(0);
    int v0 = as_int((uint)(((uint)(!(((gid * 7u) & 7u) > 0u)))));
    float v3 = ((float)(as_int((uint)0 - (uint)(v0))));
    out[gid * 8u + 3u] = as_uint(v3);
}

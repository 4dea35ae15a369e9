// Reduced from vsvm-fuzz-cc seed 1026: popcount of a 64-bit constant that
// is no sign-extended 32-bit literal was emitted as a truncated immediate
// (v_popc_b64 v9, 0xe6b92468). 15 of 1027 programs of a 10-minute run
// disagreed with PoCL because of it.
kernel void fuzz(global const int* restrict in0, global ulong* restrict out, global uint* restrict counters)
{
    const uint gid = (uint)get_global_id(0);
    const uint lid = (uint)get_local_id(0);
    for (uint i0 = 0u; i0 < 4u; i0++) {
        if (gid < 11u) {
            out[gid * 7u + 2u] = (((3942450471531204026UL << ((uint)(lid) & 63u)) ^ (621088913439635714UL << ((uint)(i0) & 63u))) * popcount((64UL + 8025203107195069480UL)));
        }
    }
}

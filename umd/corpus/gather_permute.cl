// Scatter through a permutation of a power-of-two size: out[(i * 7919) & (n - 1)] = 3 * in[i] + 1.
__kernel void gather_permute(__global const uint* in, __global uint* out, uint n)
{
    uint i = get_global_id(0);
    out[(i * 7919u) & (n - 1)] = 3 * in[i] + 1;
}

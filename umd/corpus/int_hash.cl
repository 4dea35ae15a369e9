// Four rounds of a 32-bit mix (multiply, xor-shift, rotate) per element.
uint rotl(uint x, uint r)
{
    return (x << r) | (x >> (32 - r));
}

__kernel void int_hash(__global const uint* in, __global uint* out, uint n, uint seed)
{
    uint i = get_global_id(0);
    if (i >= n)
        return;
    uint h = in[i] ^ seed;
    for (int round = 0; round < 4; round++) {
        h ^= h >> 16;
        h *= 0x85ebca6bu;
        h ^= h >> 13;
        h = rotl(h, 5 + round) * 0xc2b2ae35u;
        h ^= h >> 16;
    }
    out[i] = h + i;
}

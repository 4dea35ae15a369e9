// Byte reversal of 32-bit words and of each 16-bit half, with shifts and masks.
__kernel void byte_swap(__global const uint* in, __global uint* swapped, __global uint* halves, uint n)
{
    uint i = get_global_id(0);
    if (i >= n)
        return;
    uint x = in[i];
    swapped[i] = (x >> 24) | ((x >> 8) & 0xff00u) | ((x << 8) & 0xff0000u) | (x << 24);
    halves[i] = ((x & 0x00ff00ffu) << 8) | ((x >> 8) & 0x00ff00ffu);
}

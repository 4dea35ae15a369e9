// Divergent loops and early returns: Collatz steps to reach 1 (at most
// limit), 0xffffffff for 0, and odd inputs above 9000 leave at once.
__kernel void collatz(__global const uint* in, __global uint* steps, uint n, uint limit)
{
    uint i = get_global_id(0);
    if (i >= n)
        return;
    uint x = in[i];
    if (x == 0) {
        steps[i] = 0xffffffffu;
        return;
    }
    if (x > 9000 && (x & 1)) {
        steps[i] = 7;
        return;
    }
    uint k = 0;
    while (x != 1 && k < limit) {
        x = (x & 1) ? 3 * x + 1 : x >> 1;
        k++;
    }
    steps[i] = k;
}

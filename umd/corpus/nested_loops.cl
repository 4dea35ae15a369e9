// Triangular nested loops with continue and break, per work-item.
__kernel void nested_loops(__global const uint* in, __global uint* out, uint n)
{
    uint i = get_global_id(0);
    if (i >= n)
        return;
    uint limit = in[i] % 40, acc = 0;
    for (uint a = 0; a < limit; a++) {
        if (a % 3 == 1)
            continue;
        for (uint b = 0; b <= a; b++) {
            if (a * b > 500)
                break;
            acc += (a ^ b) + 1;
        }
    }
    out[i] = acc;
}

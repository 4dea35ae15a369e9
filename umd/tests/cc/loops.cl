// Loops with per-lane trip counts, a break, a continue and a nested loop.
kernel void loops(global const uint* count, global uint* out, uint n)
{
    size_t i = get_global_id(0);
    if (i >= n)
        return;
    uint c = count[i];
    uint sum = 0;
    for (uint k = 0; k < c; k++) {
        if (k == 13)
            break;
        if ((k & 3) == 1)
            continue;
        for (uint j = 0; j < k; j++)
            sum += j ^ k;
        sum += k * k;
    }
    out[i] = sum;
}

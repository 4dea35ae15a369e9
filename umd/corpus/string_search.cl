// Where does the m-byte pattern occur in the n-byte text: match[i] = 1 for
// a match starting at i, and the number of matches in count[0].
__kernel void string_search(__global const uchar* text, uint n, __global const uchar* pattern, uint m,
                            __global uint* match, __global uint* count)
{
    uint i = get_global_id(0);
    if (i >= n)
        return;
    uint found = i + m <= n;
    for (uint k = 0; k < m && found; k++)
        if (text[i + k] != pattern[k])
            found = 0;
    match[i] = found;
    if (found)
        atomic_inc(count);
}

/* xlc.c - STUB driver. */
#include <stdio.h>
int main(void) { puts("xlc: not yet"); return 1; }

/* emu_main.c -- placeholder until the emulator lands. */
#include <stdio.h>
int main(void) { puts("cbn-emulator"); return 0; }

/* emu_placeholder.c -- keeps the emulator library non-empty until it lands. */
int emu_placeholder_(void);
int emu_placeholder_(void) { return 0; }

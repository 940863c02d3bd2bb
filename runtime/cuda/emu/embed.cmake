# Writes OUT: `const char NAME[] = {...bytes of IN..., 0};` (the emulator's built-ins header,
# embedded so that an installed xlc needs no file beside it).
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "(..)" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(([^,]*,){16})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}.tmp" "/* generated from ${IN} by embed.cmake */\nconst char ${NAME}[] = {\n${bytes}0};\n")
file(RENAME "${OUT}.tmp" "${OUT}")

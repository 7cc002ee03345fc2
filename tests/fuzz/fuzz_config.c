/* fuzz_config.c — libFuzzer target for the config parser: any bytes must give
 * either a config (freed again) or -1 with one line that starts with the file
 * name; never a crash, a leak or a read past the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/config.h"

#define NAME "fuzz.json"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nb_config c;
    char err[256];

    /* a copy of exactly SIZE bytes, so ASan sees any read past the input */
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    if (nb_config_parse(text, size, NAME, &c, err, sizeof(err)) == 0) {
        if (c.npeers > NB_MAX_PEERS || (c.npeers && !c.peers) || c.key.len > NB_STAMP_KEY_MAX ||
            c.napps > NB_MAX_APPS || (c.napps && !c.apps) || strcmp(c.path, NAME) != 0)
            abort();
        nb_config_free(&c);
    } else if (strncmp(err, NAME ": ", strlen(NAME) + 2) != 0 || strchr(err, '\n')) {
        abort(); /* every failure explains itself on one line naming the file */
    }
    free(text);
    return 0;
}

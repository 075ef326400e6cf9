// After tsc: copies the files compiled modules read at run time (the speech corpus) into dist/.
import { cpSync } from 'node:fs';

cpSync('src/speech/offline/corpus', 'dist/src/speech/offline/corpus', { recursive: true });

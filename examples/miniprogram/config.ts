/**
 * Where the developer server runs. `npm start` in the repository starts one on
 * port 3000 with a local WeChat emulator. In WeChat DevTools 127.0.0.1 works
 * (with "Does not verify valid domain names…" on, see project.config.json's
 * `urlCheck`); on a phone, use the computer's LAN address that `npm start`
 * prints, and in production an HTTPS domain on the mini-program's allow-list.
 */
export const API_BASE_URL = 'http://127.0.0.1:3000'

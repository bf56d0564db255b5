/* veiviser search engine: the browser's twin of src/search/{analyse,query,engine,specific,excerpt}.rs.
 *
 * Classic script, no modules, no WASM. Every function below mirrors the Rust function of the
 * same name, in the same order of operations, so both rank identically; the word lists come from
 * the index manifest (written from the Rust constants). Runs in a page (file://: shards arrive by
 * injected <script>), in a worker (http: shards by fetch), and under node (the parity test).
 * `veiviserEngine` is self-contained so it can be turned into a worker from its own source. */
function veiviserEngine(global) {
  'use strict';

  // ---- analyse.rs ---------------------------------------------------------------------------
  var MAX_TOKEN_CHARS = 64;
  var WORD = /[\p{Alphabetic}\p{N}]/u;
  var NUM = /\p{N}/u;
  var MARK = /\p{M}/gu;
  function isWord(c) { return WORD.test(c); }
  function isNum(c) { return NUM.test(c); }
  function isHyphen(c) { return c === '-' || c === '\u2010' || c === '\u2011'; }
  function chars(s) { return Array.from(s); }
  function nfc(s) { return s.normalize('NFC'); }

  function tokens(text) {
    var cs = chars(text), n = cs.length, out = [], i = 0;
    var offs = [], o = 0;
    for (var k = 0; k < n; k++) { offs.push(o); o += cs[k].length; }
    offs.push(o);
    function slice(a, b) { return cs.slice(a, b).join(''); }
    function hasDigit(a, b) { for (var x = a; x < b; x++) if (isNum(cs[x])) return true; return false; }
    function push(s, code, joined, a, b) {
      if (chars(s).length <= MAX_TOKEN_CHARS) out.push({ text: s.toLowerCase(), code: code, joined: joined, start: offs[a], end: offs[b] });
    }
    while (i < n) {
      if (!isWord(cs[i])) { i++; continue; }
      var groupStart = i, pieces = [];
      for (;;) {
        var start = i;
        for (;;) {
          while (i < n && isWord(cs[i])) i++;
          var digitJoin = i + 1 < n && (cs[i] === '.' || cs[i] === ',') && isNum(cs[i - 1]) && isNum(cs[i + 1]);
          if (digitJoin) i++; else break;
        }
        pieces.push([start, i]);
        if (i + 1 < n && isHyphen(cs[i]) && isWord(cs[i + 1])) i++; else break;
      }
      var allDigits = pieces.every(function (p) { return hasDigit(p[0], p[1]); });
      if (pieces.length === 1 || allDigits) {
        push(slice(groupStart, i), hasDigit(groupStart, i), false, groupStart, i);
      } else {
        pieces.forEach(function (p) { push(slice(p[0], p[1]), hasDigit(p[0], p[1]), false, p[0], p[1]); });
        push(pieces.map(function (p) { return slice(p[0], p[1]); }).join(''), hasDigit(groupStart, i), true, groupStart, i);
      }
    }
    return out;
  }

  function baseTokens(text) { return tokens(nfc(text)).filter(function (t) { return !t.joined; }); }

  // Snowball Norwegian (the 2021 algorithm of rust-stemmers 1.2).
  var VOWELS = 'aeiouyæåø', S_ENDING = 'bcdfghjlmnoprtvyz';
  var MAIN = ['a', 'e', 'ede', 'ande', 'ende', 'ane', 'ene', 'hetene', 'erte', 'en', 'heten', 'ar', 'er', 'heter', 's', 'as', 'es',
    'edes', 'endes', 'enes', 'hetenes', 'ens', 'hetens', 'ers', 'ets', 'et', 'het', 'ert', 'ast'];
  var OTHER = ['leg', 'eleg', 'ig', 'eig', 'lig', 'elig', 'els', 'lov', 'elov', 'slov', 'hetslov'];
  function isV(c) { return VOWELS.indexOf(c) >= 0; }
  function longestSuffix(w, list, p1) {
    var best = null;
    list.forEach(function (s) {
      var sc = chars(s);
      if (sc.length <= w.length - p1 && w.slice(w.length - sc.length).join('') === s && (!best || sc.length > best.length)) best = sc;
    });
    return best;
  }
  function snowball(word) {
    var w = chars(word), n = w.length, p1 = n;
    if (n >= 3) {
      var i = 0;
      while (i < n && !isV(w[i])) i++;
      if (i < n) {
        var j = i;
        while (j < n && isV(w[j])) j++;
        if (j < n) { p1 = j + 1; if (p1 < 3) p1 = 3; }
      }
    }
    var s = longestSuffix(w, MAIN, p1);
    if (s) {
      var sj = s.join('');
      if (sj === 's') {
        var c = w[w.length - 2];
        if (S_ENDING.indexOf(c) >= 0 || (c === 'k' && w.length >= 3 && !isV(w[w.length - 3]))) w = w.slice(0, -1);
      } else if (sj === 'erte' || sj === 'ert') {
        w = w.slice(0, w.length - sj.length).concat(['e', 'r']);
      } else {
        w = w.slice(0, w.length - s.length);
      }
    }
    var tail = w.slice(w.length - 2).join('');
    if (w.length - 2 >= p1 && (tail === 'dt' || tail === 'vt')) w = w.slice(0, -1);
    var o = longestSuffix(w, OTHER, p1);
    if (o) w = w.slice(0, w.length - o.length);
    return w.join('');
  }

  function Analyser(data) {
    this.stop = {};
    var self = this;
    data.stop.forEach(function (w) { self.stop[w] = true; });
    this.question = {};
    (data.question || []).forEach(function (w) { self.question[w] = true; });
    this.protected = data.protected;
    this.endings = data.endings;
  }
  Analyser.prototype.isQueryStop = function (w) { return this.stop[w] === true || this.question[w] === true; };
  Analyser.prototype.stem = function (word) {
    for (var c of word) if (isNum(c)) return word;
    for (var i = 0; i < this.endings.length; i++) {
      var e = this.endings[i];
      if (word.length >= e.length && word.slice(word.length - e.length) === e) {
        var head = word.slice(0, word.length - e.length);
        for (var j = 0; j < this.protected.length; j++) {
          var p = this.protected[j];
          if (head.length >= p.length && head.slice(head.length - p.length) === p) return head;
        }
      }
    }
    return snowball(word);
  };

  function fold(word) {
    var m = chars(word.normalize('NFD').replace(MARK, '')).map(function (c) { return c === 'æ' ? 'a' : c === 'ø' ? 'o' : c; });
    var out = '', i = 0;
    while (i < m.length) {
      var c = m[i], next = m[i + 1];
      out += c;
      var pair = (c === 'a' && (next === 'a' || next === 'e' || next === 'o')) || (c === 'o' && (next === 'e' || next === 'o'));
      i += pair ? 2 : 1;
    }
    return out;
  }

  // Code-point order, as Rust compares strings.
  function cmp(a, b) {
    var ia = 0, ib = 0;
    while (ia < a.length && ib < b.length) {
      var ca = a.codePointAt(ia), cb = b.codePointAt(ib);
      if (ca !== cb) return ca < cb ? -1 : 1;
      ia += ca > 0xffff ? 2 : 1; ib += cb > 0xffff ? 2 : 1;
    }
    return (a.length - ia) === 0 ? ((b.length - ib) === 0 ? 0 : -1) : 1;
  }

  // ---- format.rs ----------------------------------------------------------------------------
  var ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_';
  var VALUE = {};
  for (var a = 0; a < 64; a++) VALUE[ALPHABET[a]] = a;
  var LEVELS = (function () { var t = [], w = 0.05; for (var i = 0; i < 64; i++) { t.push(w); w *= 1.14; } return t; })();
  function decodePostings(text) {
    var out = [], i = 0, page = 0, first = true;
    function varint() {
      var acc = 0, shift = 0;
      for (;;) {
        var d = VALUE[text[i++]];
        if (d >= 32) { acc += (d - 32) * Math.pow(2, shift); shift += 5; } else return acc + d * Math.pow(2, shift);
      }
    }
    while (i < text.length) {
      var delta = varint();
      page = first ? delta : page + delta;
      first = false;
      var section = varint();
      out.push([page, section, VALUE[text[i++]]]);
    }
    return out;
  }
  function unscript(text) { return JSON.parse(text.slice(text.indexOf(',') + 1, text.lastIndexOf(')'))); }
  function shardPath(m, n) { return 'search/t/' + m.shards.groups[Math.floor(n / 32)] + '/' + n + '.js'; }
  function fragmentPath(m, p) { return 'search/x/' + m.fragments[Math.floor(p / 512)] + '/' + p + '.js'; }

  // ---- query.rs -----------------------------------------------------------------------------
  var STOP_WEIGHT = 0.2, SYNONYM_FACTOR = 0.6, WHOLE_MAX_WORDS = 8;
  var APART_FACTOR = 0.5, JOINED_FACTOR = 1.0, JOIN_MIN_CHARS = 3;
  var ALPHA = /^\p{Alphabetic}+$/u;

  function Index(manifest, load) {
    if (manifest.version !== 1) throw new Error('søkeindeksen har et format denne siden ikke kjenner');
    this.m = manifest;
    this.load = load;
    this.an = new Analyser(manifest.analyser);
    this.shards = {};
    this.fragments = {};
    this.trips = 0;
    this.rules = this.synonymRules(manifest.synonyms);
    // format.rs `front_coded`: each bound is the count of leading letters it shares with the one
    // before (one ALPHABET letter), then the rest.
    var prev = [];
    this.bounds = manifest.shards.bounds.map(function (x) {
      var cs = chars(x);
      prev = prev.slice(0, ALPHABET.indexOf(cs[0])).concat(cs.slice(1));
      return prev.join('');
    });
  }
  var I = Index.prototype;

  I.word = function (text, code, prefix, exact) {
    // restem: the stem of the stem (Rust `Word::restem`).
    var stem = this.an.stem(text);
    return { text: text, fold: fold(text), stem: stem, restem: this.an.stem(stem), code: code, prefix: prefix, exact: exact };
  };

  I.synonymRules = function (syn) {
    var self = this, rules = [];
    function stems(toks) { return toks.map(function (t) { return self.an.stem(t.text); }); }
    function same(a, b) { return a.length === b.length && a.every(function (x, i) { return x === b[i]; }); }
    // query.rs `expansion`: an expansion's words without its stop and question words when it has others.
    function expansion(toks) {
      var content = toks.filter(function (t) { return !self.an.isQueryStop(t.text); });
      return content.length ? content : toks;
    }
    (syn.equivalents || []).forEach(function (group) {
      var terms = group.map(baseTokens);
      terms.forEach(function (term, i) {
        var s = stems(term);
        var others = terms.filter(function (t, j) { return j !== i && !same(stems(t), s); }).map(expansion);
        rules.push([s, others]);
      });
    });
    Object.keys(syn.abbreviations || {}).forEach(function (short) {
      rules.push([stems(baseTokens(short)), syn.abbreviations[short].map(function (e) { return expansion(baseTokens(e)); })]);
    });
    // Stable sort, longest first (as Rust's sort_by_key with Reverse).
    return rules.map(function (r, i) { return [r, i]; })
      .sort(function (x, y) { return (y[0][0].length - x[0][0].length) || (x[1] - y[1]); })
      .map(function (x) { return x[0]; });
  };

  I.wholeKey = function (text) {
    var self = this;
    var words = baseTokens(text).map(function (t) { return fold(self.an.stem(t.text)); });
    return words.length > 0 && words.length <= WHOLE_MAX_WORDS ? '=' + words.join(' ') : null;
  };

  I.parse = function (raw) {
    var self = this, text = nfc(raw);
    var endsOpen = !/\s$/u.test(text) && !/"$/.test(text);
    var pieces = [];
    text.split('"').forEach(function (segment, i) {
      if (i % 2 === 1) {
        var toks = baseTokens(segment);
        if (!toks.length) return;
        var words = toks.map(function (t) { return self.word(t.text, t.code, false, true); });
        pieces.push({
          unit: { alts: [{ words: words, factor: 1, synonym: false }], weight: 1, stop: false,
            phrase: words.length > 1 ? words.map(function (w) { return w.text; }) : null },
          stems: []
        });
        return;
      }
      var toks = tokens(segment), j = 0;
      while (j < toks.length) {
        var groupEnd = null;
        for (var k = j; k < toks.length; k++) if (toks[k].joined) { groupEnd = k; break; }
        if (groupEnd !== null) {
          for (var x = j; x < groupEnd; x++) if (toks[x].start < toks[groupEnd].start) { groupEnd = null; break; }
        }
        var members = groupEnd !== null ? toks.slice(j, groupEnd) : [toks[j]];
        var next = groupEnd !== null ? groupEnd + 1 : j + 1;
        var alts = [{ words: members.map(function (t) { return self.word(t.text, t.code, false, false); }), factor: 1, synonym: false }];
        if (groupEnd !== null) alts.push({ words: [self.word(toks[groupEnd].text, toks[groupEnd].code, false, false)], factor: 1, synonym: false });
        var stop = members.length === 1 && self.an.isQueryStop(members[0].text);
        pieces.push({
          stems: members.map(function (t) { return self.an.stem(t.text); }),
          unit: { alts: alts, weight: stop ? STOP_WEIGHT : 1, stop: stop, phrase: null }
        });
        j = next;
      }
    });
    pieces = this.normaliseCodes(pieces);
    this.joinCompounds(pieces);
    var quotes = (text.match(/"/g) || []).length;
    var last = pieces[pieces.length - 1];
    if (endsOpen && !/"$/.test(text.replace(/\s+$/u, '')) && quotes % 2 === 0 && last && !last.unit.phrase) {
      last.unit.alts.forEach(function (alt) { if (alt.words.length) alt.words[alt.words.length - 1].prefix = true; });
    }
    var units = this.applySynonyms(pieces);
    if (units.every(function (u) { return u.stop; })) units.forEach(function (u) { u.stop = false; u.weight = 1; });
    function wholeWord(k) { return k === null ? null : { text: k, fold: fold(k), stem: k, restem: k, code: true, prefix: false, exact: true }; }
    var plain = text.replace(/"/g, ' ');
    var whole = wholeWord(this.wholeKey(plain));
    var toks = baseTokens(plain);
    var content = toks.filter(function (t) { return !self.an.isQueryStop(t.text); }).map(function (t) { return t.text; });
    var wholeContent = content.length && content.length < toks.length ? wholeWord(this.wholeKey(content.join(' '))) : null;
    var folded = ' ';
    baseTokens(text.replace(/"/g, ' ')).forEach(function (t) { folded += fold(self.an.stem(t.text)) + ' '; });
    units.forEach(function (u) {
      u.alts.forEach(function (a) {
        if (!a.synonym) return;
        folded += '| ';
        a.words.forEach(function (w) { folded += fold(w.stem) + ' '; });
      });
    });
    return { units: units, whole: whole, wholeContent: wholeContent, folded: folded, blank: !plain.trim() };
  };

  function single(p) {
    var alts = p.unit.alts;
    return alts.length === 1 && !p.unit.phrase && alts[0].words.length === 1 && p.stems.length ? alts[0].words[0] : null;
  }
  function digits(text, n, m) { return new RegExp('^[0-9]{' + n + ',' + m + '}$').test(text); }
  function formNumber(parts) {
    var d = null;
    if (parts.length === 1) {
      var only = parts[0].replace(/[^0-9]/g, '');
      if (only.length === 6 && /^[0-9.\-]*$/.test(parts[0])) d = only;
    } else if (parts.length === 3 && parts.every(function (x) { return digits(x, 2, 2); })) {
      d = parts.join('');
    }
    if (d === null) return null;
    var f = d.slice(0, 2) + '-' + d.slice(2, 4) + '.' + d.slice(4, 6);
    return parts.length > 1 || f !== parts[0] ? f : null;
  }
  I.codePiece = function (code, apart) {
    return {
      stems: [code],
      unit: { alts: [{ words: [this.word(code, true, false, false)], factor: 1, synonym: false },
        { words: apart, factor: APART_FACTOR, synonym: false }], weight: 1, stop: false, phrase: null }
    };
  };
  I.normaliseCodes = function (pieces) {
    var out = [], i = 0;
    function w(k) { return k < pieces.length ? single(pieces[k]) : null; }
    function copy(x) { return JSON.parse(JSON.stringify(x)); }
    while (i < pieces.length) {
      var a = w(i), b = w(i + 1), c = w(i + 2), code;
      if (a && b && c && (code = formNumber([a.text, b.text, c.text])) !== null) {
        out.push(this.codePiece(code, [copy(a), copy(b), copy(c)]));
        i += 3;
        continue;
      }
      if (a && b && !a.code && chars(a.text).length >= 1 && chars(a.text).length <= 2 && !this.an.isQueryStop(a.text) && digits(b.text, 1, 3)) {
        out.push(this.codePiece(a.text + b.text, [copy(a), copy(b)]));
        i += 2;
        continue;
      }
      if (a && a.code) {
        code = formNumber([a.text]);
        if (code !== null) {
          out.push(this.codePiece(code, [copy(a)]));
          i += 1;
          continue;
        }
        var at = a.text.search(/[0-9]/), split = at < 0 ? 0 : at;
        var head = a.text.slice(0, split), tail = a.text.slice(split);
        if (chars(head).length >= 3 && ALPHA.test(head) && digits(tail, 1, 3)) {
          var p = copy(pieces[i]);
          p.stems = [this.an.stem(head), tail];
          p.unit.alts.push({ words: [this.word(head, false, false, false), this.word(tail, true, false, false)], factor: 1, synonym: false });
          out.push(p);
          i += 1;
          continue;
        }
      }
      out.push(pieces[i]);
      i += 1;
    }
    return out;
  };
  I.joinCompounds = function (pieces) {
    var self = this, joined = [];
    function joinable(w) {
      return !w.code && !w.exact && chars(w.text).length >= JOIN_MIN_CHARS && ALPHA.test(w.text) && !self.an.isQueryStop(w.text);
    }
    for (var k = 1; k < pieces.length; k++) {
      var a = single(pieces[k - 1]), b = single(pieces[k]);
      if (a && b && joinable(a) && joinable(b)) joined.push([k, a.text + b.text]);
    }
    joined.forEach(function (j) {
      [j[0] - 1, j[0]].forEach(function (p) {
        pieces[p].unit.alts.push({ words: [self.word(j[1], false, false, false)], factor: JOINED_FACTOR, synonym: false, joined: true });
      });
    });
  };

  I.applySynonyms = function (pieces) {
    var self = this, units = [], i = 0;
    function clone(x) { return JSON.parse(JSON.stringify(x)); }
    while (i < pieces.length) {
      var matched = null;
      for (var r = 0; r < this.rules.length && !matched; r++) {
        var stems = this.rules[r][0], at = 0, k = i, ok = stems.length > 0;
        while (ok && at < stems.length) {
          var p = pieces[k];
          if (!p) { ok = false; break; }
          var n = p.stems.length;
          if (n === 0 || p.unit.phrase || at + n > stems.length) { ok = false; break; }
          for (var q = 0; q < n; q++) if (stems[at + q] !== p.stems[q]) { ok = false; break; }
          if (!ok) break;
          at += n; k++;
        }
        if (ok) matched = [k, this.rules[r][1]];
      }
      if (matched) {
        var end = matched[0], alts;
        if (end === i + 1) alts = clone(pieces[i].unit.alts);
        else {
          var words = [];
          pieces.slice(i, end).forEach(function (p) { words = words.concat(clone(p.unit.alts[0].words)); });
          alts = [{ words: words, factor: 1, synonym: false }];
        }
        matched[1].forEach(function (e) {
          alts.push({ words: e.map(function (t) { return self.word(t.text, t.code, false, false); }), factor: SYNONYM_FACTOR, synonym: true });
        });
        units.push({ alts: alts, weight: 1, stop: false, phrase: null });
        i = end;
      } else {
        units.push(pieces[i].unit);
        i++;
      }
    }
    return units;
  };

  // ---- reader.rs ----------------------------------------------------------------------------
  I.shardOf = function (key) {
    var b = this.bounds, lo = 0, hi = b.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (cmp(b[mid], key) <= 0) lo = mid + 1; else hi = mid; }
    return Math.max(lo - 1, 0);
  };
  I.decodeShard = function (json) {
    var self = this;
    return json.e.map(function (x) {
      var key = x[0], meta = x[1], suffix = Math.floor(meta / 4) % 32;
      var cs = chars(key), stem = cs.slice(0, Math.max(cs.length - suffix, 0)).join(''), f = fold(key);
      return {
        key: key, fold: f, stem: stem, stemFold: fold(stem), len: cs.length, foldLen: chars(f).length,
        hasDigit: cs.some(isNum), idf: Math.floor(meta / 128) / 16, truncated: Math.floor(meta / 2) % 2 === 1,
        part: meta % 2 === 1, postings: decodePostings(x[2])
      };
    });
    void self;
  };
  I.facetsOf = function (p) {
    var r = this.m.ranges, lo = 0, hi = r.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (r[mid][0] <= p) lo = mid + 1; else hi = mid; }
    var x = r[Math.max(lo - 1, 0)];
    return x ? [x[1], x.slice(2)] : [0, []];
  };
  I.ensureShards = function (list) {
    var self = this;
    var missing = list.filter(function (n, i) { return !self.shards[n] && list.indexOf(n) === i; });
    if (!missing.length) return Promise.resolve();
    this.trips++;
    return Promise.all(missing.map(function (n) {
      return self.load(shardPath(self.m, n)).then(function (json) { self.shards[n] = self.decodeShard(json); });
    }));
  };
  I.ensureFragments = function (pages) {
    var self = this;
    var missing = pages.filter(function (p, i) { return !self.fragments[p] && pages.indexOf(p) === i; });
    if (!missing.length) return Promise.resolve();
    this.trips++;
    return Promise.all(missing.map(function (p) {
      return self.load(fragmentPath(self.m, p)).then(function (json) { self.fragments[p] = json; });
    }));
  };

  // ---- engine.rs ----------------------------------------------------------------------------
  var EXACT = 1.0, STEM = 0.85, FOLD = 0.9, FOLD_STEM = 0.8, PREFIX = 0.5, PREFIX_FOLD = 0.35, PREFIX_CODE = 0.2, DERIVED = 0.6;
  var FUZZY1 = 0.6, FUZZY2 = 0.45, PART = 0.5, OTHER_SECTIONS = 0.2, FUZZY_MIN = 3, MAX_WORD_SHARDS = 2;
  var WHOLE = 1.0, TOGETHER = 1.0, NAMED_VALUE = 0.5, LOCAL = 0.1, HUB = 0.5, SPECIFIC = 0.5, SPECIFIC_TOP = 6, ASKED = 0.25;
  // engine.rs `affordable`: joined compounds only where the other words' shards already are.
  I.affordable = function (q) {
    var self = this, needed = new Set();
    q.units.forEach(function (u) {
      u.alts.forEach(function (a) {
        if (!a.joined) a.words.forEach(function (w) { self.wordShards(w).forEach(function (n) { needed.add(n); }); });
      });
    });
    if (q.units.length) [q.whole, q.wholeContent].forEach(function (w) { if (w) self.wordShards(w).forEach(function (n) { needed.add(n); }); });
    q.units.forEach(function (u) {
      u.alts = u.alts.filter(function (a) {
        return !a.joined || a.words.every(function (w) { return self.wordShards(w).every(function (n) { return needed.has(n); }); });
      });
    });
    return q;
  };
  function minShouldMatch(r) { return r - Math.floor(r / 2); }
  function unitLabel(u) { return u.alts[0].words.map(function (w) { return w.text; }).join(' '); }
  function sameValueWord(a, b) {
    var n = chars(b).length, max = n >= 9 ? 2 : 1;
    return a === b || (n >= 5 && a !== '|' && typoDistance(a, b, max) <= max);
  }
  I.namedValues = function (folded) {
    var self = this, out = [], words = folded.split(' ').filter(function (w) { return w !== ''; });
    this.m.filters.forEach(function (def, f) {
      def.values.forEach(function (value, v) {
        var key = self.wholeKey(value);
        if (key === null) return;
        var kw = key.slice(1).split(' ');
        for (var i = 0; i + kw.length <= words.length; i++) {
          var ok = true;
          for (var j = 0; j < kw.length; j++) if (!sameValueWord(words[i + j], kw[j])) { ok = false; break; }
          if (ok) { out.push([f, v]); return; }
        }
      });
    });
    return out;
  };
  I.namedUnit = function (named, u) {
    var self = this;
    var own = [u.alts[0]].concat(u.alts.filter(function (a) { return a.synonym; }));
    return own.some(function (a) {
      return a.words.every(function (w) {
        var stem = fold(w.stem);
        return named.some(function (x) {
          var k = self.wholeKey(self.m.filters[x[0]].values[x[1]]);
          return k !== null && k.slice(1).split(' ').some(function (y) { return sameValueWord(stem, y); });
        });
      });
    });
  };
  // Memoised per page: a page's naming words never change, and stemming them is the costly part.
  I.titleWords = function (f, p) {
    this.titles = this.titles || {};
    if (!this.titles[p]) this.titles[p] = this.titleWordsOf(f, p);
    return this.titles[p];
  };
  I.titleWordsOf = function (f, p) {
    var self = this, fv = this.facetsOf(p), texts = [f.t, f.c, f.k];
    var k = this.m.kinds[fv[0]];
    if (k) texts.push(k[1]);
    this.m.filters.forEach(function (def, i) {
      var v = fv[1][i];
      if (v !== undefined && v >= 1 && def.values[v - 1] !== undefined) texts.push(def.values[v - 1]);
    });
    var out = [];
    texts.forEach(function (t) {
      tokens(nfc(t)).forEach(function (tok) { out.push([tok.text, fold(self.an.stem(tok.text))]); });
    });
    return out;
  };
  function typoOf(w, t) {
    var letters = chars(w.text).length;
    if (w.code || w.exact || letters < 5 || chars(t).some(isNum)) return false;
    var max = letters >= 9 ? 2 : 1;
    return typoDistance(w.fold, fold(t), max) <= max;
  }
  function unitIn(u, labels) {
    return u.alts.some(function (a) {
      return a.words.every(function (w) {
        var wstem = fold(w.stem), wrestem = fold(w.restem);
        return labels.some(function (l) {
          var t = l[0];
          return t === w.text || (w.code && fold(t) === w.fold) || (!w.code && (l[1] === wstem || l[1] === wrestem)) || typoOf(w, t);
        });
      });
    });
  }

  I.wordShards = function (w) {
    var low = w.exact ? w.fold : fold(w.stem);
    var home = this.shardOf(w.fold);
    var first = Math.min(this.shardOf(low), home);
    var last = w.prefix ? this.shardOf(w.fold + '\u{10ffff}') : home;
    var out = [home], after = home + 1, before = home;
    while (out.length < MAX_WORD_SHARDS && (after <= last || before > first)) {
      if (after <= last) { out.push(after); after++; } else { before--; out.push(before); }
    }
    return out.sort(function (x, y) { return x - y; });
  };

  function factor(w, e) {
    var own = 0, longer = 0;
    if (e.key === w.text) own = EXACT;
    else if (!w.exact) {
      if (!w.code && (e.stem === w.stem || e.stem === w.restem)) own = Math.max(own, STEM);
      if (e.fold === w.fold) own = Math.max(own, FOLD);
      if (!w.code && e.stemFold === fold(w.stem)) own = Math.max(own, FOLD_STEM);
      if (!w.code && (derived(w.stem, e.stem) || derived(w.restem, e.stem))) longer = DERIVED;
      if (w.prefix) {
        var wlen = chars(w.text).length, flen = chars(w.fold).length;
        if (e.key.startsWith(w.text)) longer = Math.max(longer, (w.code ? PREFIX_CODE : PREFIX) * Math.sqrt(wlen / e.len));
        else if (e.fold.startsWith(w.fold)) longer = Math.max(longer, PREFIX_FOLD * Math.sqrt(flen / e.foldLen));
      }
    }
    var f = Math.max(own, longer);
    if (e.part) f = f * PART;
    return [f, own > 0 && own >= longer];
  }

  /** engine.rs `derived`: one stem and its derivation by one of engine.rs DERIVATIONS (`sykmeld`
   *  ↔ `sykmelding`), stems of DERIVED_MIN = 5 letters or more, written out to keep the script
   *  small. UTF-8 lengths in Rust, UTF-16 here: the suffixes are ASCII, so both agree. */
  function derived(a, b) {
    if (a.length > b.length) { var t = a; a = b; b = t; }
    t = b.slice(a.length);
    return chars(a).length >= 5 && b.startsWith(a) && (t === 'ing' || t === 'els');
  }

  function typoDistance(a, b, max) {
    a = chars(a); b = chars(b);
    if (Math.abs(a.length - b.length) > max) return max + 1;
    var prev2 = new Array(b.length + 1).fill(0), prev = [], i, j;
    for (j = 0; j <= b.length; j++) prev.push(j);
    for (i = 1; i <= a.length; i++) {
      var cur = new Array(b.length + 1).fill(i), rowMin = cur[0];
      for (j = 1; j <= b.length; j++) {
        var cost = a[i - 1] !== b[j - 1] ? 1 : 0;
        var d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2] + 1);
        cur[j] = d;
        rowMin = Math.min(rowMin, d);
      }
      if (rowMin > max) return max + 1;
      prev2 = prev; prev = cur;
    }
    return prev[b.length];
  }

  // A word's scores per page: a flat array [section, score, section, score, …] (sorted by section
  // at the end of lookUp), the Rust side's Vec<(u32, f64)> without an array per pair.
  function addEntry(scores, e, f, idf) {
    var ps = e.postings;
    for (var n = 0; n < ps.length; n++) {
      var x = ps[n];
      var c = f * idf * LEVELS[Math.min(x[2], 63)];
      var secs = scores.get(x[0]);
      if (!secs) { scores.set(x[0], [x[1], c]); continue; }
      var i = 0;
      while (i < secs.length && secs[i] !== x[1]) i += 2;
      if (i < secs.length) { if (c > secs[i + 1]) secs[i + 1] = c; } else secs.push(x[1], c);
    }
  }
  /** Sorts a flat [section, score, …] array by section (sections are distinct). */
  function sortPairs(a) {
    for (var i = 2; i < a.length; i += 2) {
      var s = a[i], v = a[i + 1], j = i - 2;
      while (j >= 0 && a[j] > s) { a[j + 2] = a[j]; a[j + 3] = a[j + 1]; j -= 2; }
      a[j + 2] = s; a[j + 3] = v;
    }
  }

  I.lookUp = function (w, out) {
    var entries = this.wordShards(w).map(function (n) { return this.shards[n]; }, this);
    var familyIdf = Infinity;
    entries.forEach(function (shard) {
      shard.forEach(function (e) {
        var r = factor(w, e);
        if (r[0] > 0 && r[1] && !e.part && e.idf < familyIdf) familyIdf = e.idf;
      });
    });
    var scores = new Map(), truncated = false, matched = [], main = [0, 0];
    entries.forEach(function (shard) {
      shard.forEach(function (e) {
        var r = factor(w, e), f = r[0];
        if (f <= 0) return;
        var idf = r[1] && familyIdf < e.idf ? familyIdf : e.idf;
        if (f > main[0] || (f >= main[0] && idf > main[1])) main = [f, idf];
        addEntry(scores, e, f, idf);
        truncated = truncated || e.truncated;
        matched.push(e);
      });
    });
    var letters = chars(w.text).length;
    if (!w.code && !w.exact && letters >= 5 && scores.size < FUZZY_MIN) {
      var max = letters >= 9 ? 2 : 1;
      entries.forEach(function (shard) {
        shard.forEach(function (e) {
          if (e.hasDigit || factor(w, e)[0] > 0) return;
          var d = typoDistance(w.fold, e.fold, max);
          if (d <= max) {
            var f = d <= 1 ? FUZZY1 : FUZZY2;
            if (e.part) f = f * PART;
            addEntry(scores, e, f, e.idf);
            truncated = truncated || e.truncated;
            matched.push(e);
          }
        });
      });
    }
    matched.forEach(function (e) { (e.part ? out.parts : out.words).add(e.key); });
    scores.forEach(function (secs) { if (secs.length > 2) sortPairs(secs); });
    return { scores: scores, truncated: truncated, mainIdf: main[1] };
  };

  function pageScore(secs) {
    var best = 1, i;
    for (i = 1; i < secs.length; i += 2) if (secs[i] > secs[best]) best = i;
    var rest = 0;
    for (i = 1; i < secs.length; i += 2) if (i !== best) rest += secs[i];
    return secs[best] + OTHER_SECTIONS * rest;
  }
  function wkey(w) { return w.text + '\u0000' + w.prefix + '\u0000' + w.exact; }

  function allWords(q) {
    var list = [];
    q.units.forEach(function (u) { u.alts.forEach(function (a) { a.words.forEach(function (w) { list.push(w); }); }); });
    if (q.whole && q.units.length) list.push(q.whole);
    if (q.wholeContent && q.units.length) list.push(q.wholeContent);
    return list;
  }
  function byScore(x, y) { return x[1] > y[1] ? -1 : x[1] < y[1] ? 1 : x[0] - y[0]; }

  // The steps of engine.rs `search`, under the same names: lookup, score, combine, filter,
  // preferSpecific, take. All but take run over loaded shards and fragments.

  /** Step 1 (engine.rs `lookup`): every distinct word once, and the whole-value keys. */
  I.lookup = function (q, out) {
    var self = this, words = new Map();
    q.units.forEach(function (u) {
      u.alts.forEach(function (a) {
        a.words.forEach(function (w) { if (!words.has(wkey(w))) words.set(wkey(w), self.lookUp(w, out)); });
      });
    });
    function wholeKey(w) { return w && q.units.length ? self.lookUp(w, { words: new Set(), parts: new Set() }) : null; }
    return { words: words, whole: wholeKey(q.whole), wholeContent: wholeKey(q.wholeContent) };
  };

  /** Step 2 (engine.rs `score`). */
  function score(q, looked) { return q.units.map(function (unit) { return scoreUnit(unit, looked.words); }); }

  /** engine.rs `score_unit`: a unit per page and section by its best alternative. A page's
   *  sections are kept as an array of [section, score] sorted by section (not a Map, as the Rust
   *  side's BTreeMap): the warm path allocates per candidate page, and this is what it allocates.
   *  The same doubles are added in the same order as in Rust. */
  function scoreUnit(unit, looked) {
    var pages = new Map(), sections = new Map(), truncated = false;
    function wordsOf(a) { return a.words.map(function (w) { return looked.get(wkey(w)); }); }
    var cap = 0;
    wordsOf(unit.alts[0]).forEach(function (l) { if (l.mainIdf > cap) cap = l.mainIdf; });
    unit.alts.forEach(function (a) {
      var ws = wordsOf(a);
      truncated = truncated || ws.some(function (l) { return l.truncated; });
      var scale = 1;
      if (a.synonym && cap > 0) {
        var own = 0;
        ws.forEach(function (l) { if (l.mainIdf > own) own = l.mainIdf; });
        if (own > cap) scale = cap / own;
      }
      var k = ws.length, f = a.factor * scale;
      // Each candidate page is scored on its own, so their order does not matter.
      var cand = ws[0].scores;
      if (k > 1) {
        cand = new Map();
        ws.forEach(function (l) { l.scores.forEach(function (v, p) { cand.set(p, v); }); });
      }
      cand.forEach(function (_, p) {
        var i, l, secs;
        if (k > 1) for (i = 0; i < k; i++) if (!ws[i].truncated && !ws[i].scores.has(p)) return;
        var sum = 0, per = null;
        for (i = 0; i < k; i++) {
          secs = ws[i].scores.get(p);
          if (!secs) continue;
          sum += pageScore(secs);
          per = per === null ? secs.slice() : merge(per, secs, true);
        }
        var t = f * sum / k, was = pages.get(p);
        if (was === undefined) pages.set(p, t > 0 ? t : 0);
        else if (t > was) pages.set(p, t);
        for (i = 1; i < per.length; i += 2) per[i] = f * per[i] / k;
        l = sections.get(p);
        if (l) sections.set(p, merge(l, per, false));
        else {
          for (i = 1; i < per.length; i += 2) if (!(per[i] > 0)) per[i] = 0;
          sections.set(p, per);
        }
      });
    });
    return { pages: pages, sections: sections, required: !unit.stop && !truncated };
  }
  /** Flat sorted [section, score, …] arrays merged section by section into a new one: a section
   *  of both gets `a`'s plus `b`'s score (`add`) or the larger of them; one of `b` alone gets its
   *  score plus 0 (`add`) or its score at least 0. */
  function merge(a, b, add) {
    var out = [], i = 0, j = 0, x;
    while (i < a.length || j < b.length) {
      if (j >= b.length || (i < a.length && a[i] < b[j])) { out.push(a[i], a[i + 1]); i += 2; continue; }
      x = b[j + 1];
      if (i >= a.length || b[j] < a[i]) out.push(b[j], add ? 0 + x : x > 0 ? x : 0);
      else { out.push(a[i], add ? a[i + 1] + x : x > a[i + 1] ? x : a[i + 1]); i += 2; }
      j += 2;
    }
    return out;
  }
  /** The score of section `s` in a flat [section, score, …] array, or undefined. */
  function sectionValue(secs, s) {
    for (var i = 0; i < secs.length; i += 2) if (secs[i] === s) return secs[i + 1];
    return undefined;
  }

  /** Step 3 (engine.rs `combine`): the pages holding enough required units, scored. */
  I.combine = function (q, units, looked, out) {
    var self = this, required = [];
    units.forEach(function (u, i) { if (u.required) required.push(i); });
    out.missing = [];
    units.forEach(function (u, i) { if (u.required && u.pages.size === 0) out.missing.push(unitLabel(q.units[i])); });
    var all = new Set();
    units.forEach(function (u) { u.pages.forEach(function (_, p) { all.add(p); }); });
    // In any order (Rust: page order): `filter` sorts by score, then by page.
    var allPages = Array.from(all);
    function coverage(p) {
      var n = 0;
      for (var i = 0; i < required.length; i++) if (units[required[i]].pages.has(p)) n++;
      return n;
    }
    var need = minShouldMatch(required.length);
    var enough = allPages.filter(function (p) { return coverage(p) >= need; });
    var matchedPages = enough.length ? enough : allPages;
    var named = this.namedValues(q.folded);
    var onlyNamed = q.units.filter(function (u) { return !u.stop; }).every(function (u) { return self.namedUnit(named, u); });
    var ctx = { q: q, units: units, looked: looked, required: required, named: named, onlyNamed: onlyNamed };
    var scored = matchedPages.map(function (p) { return [p, self.pageTotal(ctx, p, coverage(p))]; });
    if (!q.units.length) {
      scored = [];
      if (!q.blank) return { scored: scored, onlyNamed: onlyNamed };
      for (var p = 0; p < this.m.pages; p++) scored.push([p, 0]);
    }
    return { scored: scored, onlyNamed: onlyNamed };
  };

  /** engine.rs `Totals::page_total`. */
  I.pageTotal = function (ctx, p, covered) {
    var units = ctx.units, required = ctx.required, score = 0, r, t;
    for (var u = 0; u < units.length; u++) {
      t = units[u].pages.get(p);
      if (t !== undefined) score += ctx.q.units[u].weight * t;
    }
    var namedWhole = 0;
    [ctx.looked.whole, ctx.looked.wholeContent].forEach(function (l) {
      var secs = l && l.scores.get(p);
      if (secs) namedWhole = Math.max(namedWhole, pageScore(secs));
    });
    if (namedWhole > 0) score += WHOLE * namedWhole;
    if (required.length > 1) {
      var b = bestSection(units, ctx.q.units, p);
      var together = 0;
      for (var i = 0; i < required.length; i++) {
        var m = units[required[i]].sections.get(p);
        if (m && sectionValue(m, b[0]) !== undefined) together++;
      }
      r = required.length;
      score += TOGETHER * b[1] * (together / r) * (together / r);
    }
    if (required.length) {
      r = required.length;
      score = score * (covered / r) * (covered / r);
    }
    var fv = this.facetsOf(p), values = fv[1], hubs = this.m.filters.map(function (d) { return d.hub === fv[0]; });
    if (ctx.named.length) {
      if (ctx.named.some(function (x) { return values[x[0]] === x[1] + 1 && hubs[x[0]] === ctx.onlyNamed; })) score *= 1 + NAMED_VALUE;
    } else if (values.some(function (v) { return v > 0; })) {
      score *= 1 - LOCAL;
    }
    if (!ctx.onlyNamed && hubs.indexOf(true) >= 0) score *= 1 - HUB;
    return score;
  };

  /** Step 4 (engine.rs `filter`): kind and facet filters with their counts, best first. */
  I.filter = function (scored, options, out) {
    var self = this;
    var kindIx = options.kind == null ? null : this.m.kinds.findIndex(function (x) { return x[0] === options.kind; });
    var nf = this.m.filters.length;
    out.kindCounts = this.m.kinds.map(function () { return 0; });
    out.filterCounts = this.m.filters.map(function (f) { return f.values.map(function () { return 0; }); });
    var filters = options.filters || [];
    var kept = [];
    function valueOk(values, skip) {
      for (var i = 0; i < filters.length; i++) if (filters[i][0] !== skip && values[filters[i][0]] !== filters[i][1] + 1) return false;
      return true;
    }
    scored.forEach(function (x) {
      var fv = self.facetsOf(x[0]), kind = fv[0], values = fv[1];
      var kindOk = kindIx === null || kindIx === kind;
      if (valueOk(values, -1)) out.kindCounts[kind]++;
      for (var f = 0; f < nf; f++) {
        var v = values[f] || 0;
        if (kindOk && valueOk(values, f) && v > 0) out.filterCounts[f][v - 1]++;
      }
      if (kindOk && valueOk(values, -1)) kept.push(x);
    });
    return kept.sort(byScore);
  };

  /** engine.rs `prefer_specific`, over the loaded fragments of the first SPECIFIC_TOP pages. */
  I.preferSpecific = function (q, onlyNamed, kept) {
    var self = this, content = q.units.filter(function (u) { return !u.stop; });
    if (!content.length) return kept;
    var top = Math.min(kept.length, SPECIFIC_TOP), head = kept.slice(0, top);
    head.forEach(function (item) {
      var labels = self.titleWords(self.fragments[item[0]], item[0]);
      var kind = self.facetsOf(item[0])[0];
      var hub = self.m.filters.some(function (d) { return d.hub === kind; });
      if ((!hub || onlyNamed) && content.every(function (u) { return unitIn(u, labels); })) item[1] *= 1 + SPECIFIC;
      var f = self.fragments[item[0]];
      if (askedOpen(f, q.units, self.sourceNotes(f, item[0], q)).length) item[1] *= 1 + ASKED;
    });
    return head.sort(byScore).concat(kept.slice(top));
  };

  /** Step 5 (engine.rs `take`): the first `limit` pages holding every quoted phrase, with their
   *  answer sections, fetching fragments a batch at a time; resolves to hits and total. */
  I.take = function (q, units, kept, limit) {
    var self = this;
    var phrases = q.units.filter(function (u) { return u.phrase; }).map(function (u) { return u.phrase; });
    var hits = [], total = kept.length, next = 0;
    function round() {
      if (hits.length >= limit || next >= kept.length) return Promise.resolve();
      var batch = kept.slice(next, next + (limit - hits.length));
      next += batch.length;
      var pages = batch.map(function (x) { return x[0]; });
      return self.ensureFragments(pages).then(function () {
        batch.forEach(function (x) {
          if (hits.length >= limit) return;
          if (phrases.length && !phrases.every(function (ph) { return hasPhrase(self.fragments[x[0]], ph); })) { total--; return; }
          var labels = self.titleWords(self.fragments[x[0]], x[0]);
          var notes = self.sourceNotes(self.fragments[x[0]], x[0], q);
          var section = askedAnswer(units, q.units, x[0], self.fragments[x[0]], notes);
          if (section === null) section = answerSection(units, q.units, x[0], labels, notes);
          hits.push({ page: x[0], section: section, score: x[1] });
        });
        return round();
      });
    }
    return round().then(function () { return { hits: hits, total: total }; });
  };

  // engine.rs SOURCE_NOTE_STEMS, `is_source_note`, `source_notes` (memoised per page).
  var SOURCE_NOTE_STEMS = ['kild', 'merknad', 'referans', 'litteratur'];
  function isNoteStem(x) { return SOURCE_NOTE_STEMS.indexOf(x) >= 0; }
  I.isSourceNote = function (heading) {
    var self = this;
    var stems = baseTokens(heading).filter(function (t) { return !self.an.isQueryStop(t.text); })
      .map(function (t) { return fold(self.an.stem(t.text)); });
    return stems.length > 0 && stems.every(isNoteStem);
  };
  I.sourceNotes = function (f, p, q) {
    var self = this, notes = this.notes = this.notes || {};
    if (allWords(q).some(function (w) { return w !== q.whole && w !== q.wholeContent && isNoteStem(fold(w.stem)); })) return [];
    if (!notes[p]) notes[p] = f.d.map(function (d, s) { return self.isSourceNote(d[1]) ? s : -1; }).filter(function (s) { return s >= 0; });
    return notes[p];
  };

  // engine.rs ASKING_WORDS, `asked_sections`, `asked_answer`.
  var ASKING_WORDS = ['hvem', 'hvor', 'hvordan', 'hvorfor', 'når'];
  function askedOpen(f, queryUnits, notes) {
    var first = queryUnits[0], word = first && first.stop && first.alts[0].words[0].text, open = [];
    if (ASKING_WORDS.indexOf(word) >= 0) {
      f.d.forEach(function (d, s) { var t = tokens(nfc(d[1])); if (t.length && t[0].text === word && notes.indexOf(s) < 0) open.push(s); });
    }
    return open;
  }
  function askedAnswer(units, queryUnits, p, f, notes) {
    var open = askedOpen(f, queryUnits, notes);
    if (!open.length) return null;
    var best = bestSectionOf(units, queryUnits, p, all, function (s) { return open.indexOf(s) >= 0; });
    return best[1] > 0 ? best[0] : open[0];
  }

  /** engine.rs `best_section_of`: per section that `keep` keeps, the weighted unit scores added in
   *  unit order; the highest total (above 0) wins, the lowest section on a tie; else [0, 0]. */
  function bestSectionOf(units, queryUnits, p, counted, keep) {
    var ids = [], totals = [];
    for (var i = 0; i < units.length; i++) {
      var q = queryUnits[i], secs = units[i].sections.get(p);
      if (!counted(q) || !secs) continue;
      for (var j = 0; j < secs.length; j += 2) {
        var s = secs[j], at = ids.indexOf(s);
        if (!keep(s)) continue;
        if (at < 0) { ids.push(s); totals.push(0 + q.weight * secs[j + 1]); } else totals[at] += q.weight * secs[j + 1];
      }
    }
    var best = [0, 0];
    for (var k = 0; k < ids.length; k++) {
      if (totals[k] > best[1] || (totals[k] === best[1] && totals[k] > 0 && ids[k] < best[0])) best = [ids[k], totals[k]];
    }
    return best;
  }
  function all() { return true; }
  function bestSection(units, queryUnits, p) { return bestSectionOf(units, queryUnits, p, all, all); }

  function answerSection(units, queryUnits, p, labels, notes) {
    function other(q) { return !unitIn(q, labels); }
    function kept(s) { return notes.indexOf(s) < 0; }
    var rest = queryUnits.slice(0, units.length).some(function (q) { return other(q) && !q.stop; });
    var best = bestSectionOf(units, queryUnits, p, other, kept);
    return rest && best[1] > 0 ? best[0] : bestSectionOf(units, queryUnits, p, all, kept)[0];
  }

  function hasPhrase(f, phrase) {
    var texts = [f.t, f.c, f.s, f.k];
    f.d.forEach(function (d) { texts.push(d[1], d[2]); });
    return texts.some(function (t) {
      var words = baseTokens(t).map(function (x) { return x.text; });
      for (var i = 0; i + phrase.length <= words.length; i++) {
        var ok = true;
        for (var j = 0; j < phrase.length; j++) if (words[i + j] !== phrase[j]) { ok = false; break; }
        if (ok) return true;
      }
      return false;
    });
  }

  // ---- excerpt.rs ---------------------------------------------------------------------------
  var MAX_WORDS = 30, LEAD = 5;
  function sourceText(f, section) {
    var d = f.d[section];
    if (d && d[2]) return d[2];
    return section === 0 ? f.s : '';
  }
  function excerpt(raw, words, parts) {
    var text = nfc(raw), spans = [];
    tokens(text).forEach(function (t) {
      var hit = words.has(t.text);
      if (!hit) parts.forEach(function (p) { if (t.text.length > p.length && t.text.indexOf(p) >= 0) hit = true; });
      if (t.joined) spans.forEach(function (s) { if (s[0] >= t.start && s[1] <= t.end) s[2] = s[2] || hit; });
      else spans.push([t.start, t.end, hit]);
    });
    if (!spans.length) return [];
    var starts = new Set([0]);
    spans.forEach(function (s, i) { if (s[2]) starts.add(Math.max(i - LEAD, 0)); });
    var best = [0, 0, 0];
    Array.from(starts).sort(function (x, y) { return x - y; }).forEach(function (start) {
      var end = Math.min(start + MAX_WORDS, spans.length), hits = [];
      for (var i = start; i < end; i++) if (spans[i][2]) hits.push(text.slice(spans[i][0], spans[i][1]).toLowerCase());
      var distinct = new Set(hits).size;
      if (distinct > best[1] || (distinct === best[1] && hits.length > best[2])) best = [start, distinct, hits.length];
    });
    var start = best[0], end = Math.min(start + MAX_WORDS, spans.length), out = [];
    function push(t, hit) {
      var last = out[out.length - 1];
      if (last && last[1] === hit) last[0] += t; else out.push([t, hit]);
    }
    if (start > 0) push('… ', false);
    var at = spans[start][0];
    for (var i = start; i < end; i++) {
      push(text.slice(at, spans[i][0]), false);
      push(text.slice(spans[i][0], spans[i][1]), spans[i][2]);
      at = spans[i][1];
    }
    if (end < spans.length) push(' …', false); else push(text.slice(at), false);
    return out.filter(function (s) { return s[0] !== ''; });
  }

  // ---- the whole search: shards, ranking, fragments -----------------------------------------
  /** Runs `text`; resolves to results with title, URL, kind, section and excerpt. */
  I.search = function (text, options) {
    var self = this;
    options = options || {};
    var limit = options.limit || 10;
    var q = this.affordable(this.parse(text));
    var started = this.trips;
    var needed = [];
    allWords(q).forEach(function (w) { needed = needed.concat(self.wordShards(w)); });
    var out = { words: new Set(), parts: new Set() }, units;
    return this.ensureShards(needed).then(function () {
      var looked = self.lookup(q, out);
      units = score(q, looked);
      var combined = self.combine(q, units, looked, out);
      var kept = self.filter(combined.scored, options, out);
      // The fragments of the best SPECIFIC_TOP pages (for preferSpecific) come with those of
      // the first page of results, in one trip.
      if (!q.units.some(function (u) { return !u.stop; })) return kept;
      var first = kept.slice(0, Math.max(Math.min(kept.length, SPECIFIC_TOP), limit));
      return self.ensureFragments(first.map(function (x) { return x[0]; })).then(function () {
        return self.preferSpecific(q, combined.onlyNamed, kept);
      });
    }).then(function (kept) {
      return self.take(q, units, kept, limit);
    }).then(function (taken) {
      return self.ensureFragments(taken.hits.map(function (h) { return h.page; })).then(function () { return taken; });
    }).then(function (taken) {
      var items = taken.hits.map(function (h) {
        var f = self.fragments[h.page], d = f.d[h.section] || ['', '', ''];
        var kind = self.m.kinds[self.facetsOf(h.page)[0]] || ['', '', ''];
        return {
          id: f.i, title: f.t, path: f.u, anchor: d[0], section: d[1], kind: kind[0], kindLabel: kind[1],
          score: Math.round(h.score * 10000) / 10000, rawScore: h.score,
          excerpt: excerpt(sourceText(f, h.section), out.words, out.parts)
        };
      });
      return {
        items: items, total: taken.total, kindCounts: out.kindCounts, filterCounts: out.filterCounts, missing: out.missing,
        trips: self.trips - started
      };
    });
  };

  /** An index over `manifest`; `load(path)` resolves to a file's JSON (site-relative path). */
  function open(manifest, load) { return new Index(manifest, load); }

  /** In a worker: answer {type:'init'} and {type:'search'} messages, loading files by fetch. */
  function serveWorker(scope) {
    var index = null;
    scope.onmessage = function (ev) {
      var msg = ev.data;
      if (msg.type === 'init') {
        index = open(msg.manifest, function (path) {
          return fetch(msg.base + path).then(function (r) {
            if (!r.ok) throw new Error(path + ': ' + r.status);
            return r.text();
          }).then(unscript);
        });
        return;
      }
      var t0 = Date.now();
      index.search(msg.q, msg.options).then(function (res) {
        res.ms = Date.now() - t0;
        scope.postMessage({ type: 'result', id: msg.id, result: res });
      }, function (err) {
        scope.postMessage({ type: 'error', id: msg.id, error: String(err && err.message || err) });
      });
    };
  }

  var api = {
    open: open, serveWorker: serveWorker, unscript: unscript,
    tokens: tokens, fold: fold, snowball: snowball, nfc: nfc
  };
  if (global) global.VeiviserEngine = api;
  return api;
}

if (typeof module === 'object' && module.exports) {
  module.exports = veiviserEngine(null);
} else if (typeof document === 'undefined' && typeof self === 'object' && typeof importScripts === 'function') {
  veiviserEngine(self).serveWorker(self);
} else {
  veiviserEngine(typeof window === 'object' ? window : this);
}

/**
 * The attack patterns; attack-rule-set.ts hands them to libddwaf. libinjection (`is_sqli`, `is_xss`) does the
 * heavy lifting for SQL injection and XSS; the regular expressions below cover what it leaves out by design —
 * fragments meant to be appended to a value (` OR 1=1`, ` ORDER BY 3--`), time-based probes, markup that
 * is not a complete tag, path traversal, command injection. libddwaf evaluates them with RE2, which runs in
 * time linear in the input whatever the pattern: no input can make a rule backtrack catastrophically.
 *
 * Patterns are matched case-insensitively against normalised text (attack-normalise.ts): decoded, without
 * NUL bytes, look-alike quotes and slashes folded. They aim at the shape of an attack rather than at the
 * lines of a payload list, and each was checked against the benign corpora in test/security/fixtures:
 * English words that are also SQL or shell keywords (select, union, order by, drop, cat, type) only count
 * next to the punctuation that makes them code.
 */

export const ATTACK_CATEGORIES = ['sqli', 'xss', 'path_traversal', 'command_injection'] as const;
export type AttackCategory = (typeof ATTACK_CATEGORIES)[number];

export interface RegexRule {
  id: string;
  category: AttackCategory;
  regex: string;
  /** `path` rules also read the path form (backslashes as slashes); the rest read the text only. */
  path?: boolean;
}

const words = (list: string) => list.trim().split(/\s+/).join('|');

// Building blocks (RE2 syntax).
const QUOTE = `['"\`]`;
/** A short leading token before an injected fragment: `1`, `admin`, `x@y.z` (no spaces). */
const LEAD = `^[\\w.@$:-]*`;
const LOGIC = `(?:(?:or|and|xor|having|where|when)\\b|\\|\\||&&)`;
const COMPARE = `(?:=|<|>|!=|<>|\\blike\\b|\\brlike\\b|\\bregexp\\b|\\bis\\b|\\bbetween\\b|\\bin\\s*\\(|\\bsounds\\s+like\\b)`;
/** An operand of a tautology: number, quoted literal, lone quote, one-letter name. */
const OPERAND = `(?:[-+]?\\d+(?:\\.\\d+)?(?:e\\d+)?|'[^']*'?|"[^"]*"?|[a-z_]\\b)`;
/** What ends an injected SQL fragment: the end of the value, a comment, a statement separator. */
const SQL_END = `(?:$|--|#|/\\*|;)`;
const LITERAL = `(?:[-+]?\\d+|'[\\w%]*'?|"[\\w%]*"?)`;
const COMMENT = `(?:/\\*[^*]*\\*/)`;

const SQL_RULES: RegexRule[] = [
  // ` OR 1=1`, `1) OR (2>1`, `x' AND 'a'='a`: a short value closed and extended with a comparison.
  {
    id: 'sqli-appended-tautology',
    category: 'sqli',
    regex: `${LEAD}\\s*${QUOTE}?[\\s)]*${LOGIC}[\\s(]*${OPERAND}\\s*${COMPARE}`,
  },
  {
    id: 'sqli-appended-boolean',
    category: 'sqli',
    regex: `${LEAD}\\s*${QUOTE}?[\\s)]*${LOGIC}\\s+(?:true|false|null)\\s*${SQL_END}`,
  },
  // `admin' OR name LIKE '%`, `' or username = 'admin`: a string closed, then logic and an operand.
  {
    id: 'sqli-quote-breakout',
    category: 'sqli',
    regex: `^[\\w.@$:'"-]*${QUOTE}[\\s)]*${LOGIC}[\\s(]*(?:[\\d'"(]|(?:true|false|not|null|select|exists|sleep|benchmark)\\b|[\\w.]{1,40}\\s*${COMPARE})`,
  },
  // `admin'--`, `' #`, `1');`: a string or number closed and the rest of the query commented out.
  {
    id: 'sqli-quote-comment',
    category: 'sqli',
    regex: `${LEAD}${QUOTE}[\\s)]*(?:--(?:\\s|$|[-'"])|#\\s*(?:$|[-'"])|/\\*|;\\s*(?:$|--|#|/\\*))`,
  },
  // `'`, `'-'`, `"&"`: probes made of a quote and operators only; and a value opening with quote-operator.
  {
    id: 'sqli-punctuation-probe',
    category: 'sqli',
    regex: `^[\\s'"\`()=\\-#&^*|;/\\\\,.%+!<>~]*['"\`;|#][\\s'"\`()=\\-#&^*|;/\\\\,.%+!<>~]*$`,
  },
  { id: 'sqli-appended-like', category: 'sqli', regex: `^\\s*(?:r?like|regexp)\\s+['"]%` },
  { id: 'sqli-quote-operator', category: 'sqli', regex: `^${QUOTE}\\s*[=<>!^*|&+;,-]` },
  // A numeric or quoted tautology anywhere, when it ends the value, a comment or a condition.
  {
    id: 'sqli-inline-tautology',
    category: 'sqli',
    regex: `(?:\\b(?:or|and|xor|where|having|when)|\\|\\||&&)\\s*\\(*\\s*${LITERAL}\\s*(?:=|<>|!=|<|>|\\blike\\b)\\s*\\(*\\s*${LITERAL}\\s*\\)*\\s*(?:${SQL_END}|\\b(?:and|or)\\b)`,
  },
  {
    id: 'sqli-quoted-equal',
    category: 'sqli',
    regex: `'[\\w%]*'\\s*(?:=|<>|!=|\\blike\\b)\\s*'[\\w%]*(?:'|$)`,
  },
  // UNION-based extraction, SELECT of expressions, stacked queries, DDL.
  // `UNION SELECT` followed by what a select list starts with (`Union Select Partners` is a company).
  {
    id: 'sqli-union-select',
    category: 'sqli',
    regex: `\\bunion(?:\\s|${COMMENT}|\\()+(?:all|distinct)?(?:\\s|${COMMENT}|\\()*select(?:\\s|${COMMENT}|\\()*(?:\\*|@@|null\\b|\\d|['"\x60(]|[\\w.$]+\\s*(?:[(,]|\\|\\||\\bfrom\\b))`,
  },
  {
    id: 'sqli-select-expression',
    category: 'sqli',
    regex: `\\bselect(?:\\s|${COMMENT}|\\()+(?:@|top\\s+\\d|null\\s*[,)]|\\d+\\s*,\\s*(?:\\d|null|@@|'|char|concat|if\\s*\\()|\\d+\\s+from\\s*\\(|'[^']*'\\s*(?:,|\\|\\|)|case\\s+when\\b|(?:count|concat|concat_ws|group_concat|char|chr|substring|substr|version|user|database|schema|sleep|ascii|load_file)\\s*\\()`,
  },
  {
    id: 'sqli-stacked-query',
    category: 'sqli',
    regex: `;\\s*(?:drop\\s+(?:table|database)|select\\s*\\*\\s*(?:from\\b|$)|shutdown\\b|waitfor\\s+delay|declare\\s+@|exec(?:ute)?\\s+(?:xp_|sp_|master\\.)|select\\s+(?:@@|null\\b|[\\w.]+\\s*\\()|insert\\s+into\\s+[\\w.\`"\\[\\]]+\\s*(?:\\(|values\\b)|update\\s+[\\w.\`"\\[\\]]+\\s+set\\s+\\w+\\s*=|delete\\s+from\\s+[\\w.\`"\\[\\]]+\\s*(?:where\\b|$|;|--))`,
  },
  {
    id: 'sqli-ddl',
    category: 'sqli',
    regex: `\\b(?:drop|truncate|alter)\\s+table\\s+[\\w.\`"\\[\\]]+\\s*${SQL_END}`,
  },
  // `ORDER BY 3--`, `ORDER BY 1,SLEEP(5)`, a value that is only `ORDER BY 3`: counting columns.
  {
    id: 'sqli-order-by',
    category: 'sqli',
    regex: `(?:\\border\\s+by\\s+\\d+\\s*(?:--|#|/\\*|;|,\\s*(?:\\d|sleep|benchmark|if\\b|\\())|^[\\s'")]*order\\s+by\\s+\\d+\\s*$|\\bgroup\\s+by\\s+[\\w.,\\s]*having\\b|\\bgroup\\s+by\\s+\\d+\\s*(?:,|--|#|/\\*|;))`,
  },
  // Time-based and out-of-band probes, and functions that exist only to exfiltrate.
  {
    id: 'sqli-functions',
    category: 'sqli',
    regex: `(?:\\b(?:pg_)?sleep\\s*\\(\\s*(?:\\d+(?:\\.\\d+)?\\s*\\)|\\(|select\\b)|\\bbenchmark\\s*\\(\\s*\\d|\\brandomblob\\s*\\(|\\bwaitfor\\s+(?:delay|time)\\s*'|\\bdbms_(?:pipe|lock)\\.|\\butl_(?:inaddr|http|file)\\.|\\b(?:extractvalue|updatexml|load_file|sys_context|xp_cmdshell|sp_executesql|make_set|elt)\\s*\\(|\\binto\\s+(?:out|dump)file\\b|\\bchar\\s*\\(\\s*\\d+\\s*(?:,\\s*\\d+\\s*)+\\)|\\bconcat(?:_ws)?\\s*\\(\\s*0x)`,
  },
  // System catalogues and variables.
  {
    id: 'sqli-catalogue',
    category: 'sqli',
    regex: `(?:@@[a-z_]{3,}|\\binformation_schema\\b|\\bdeclare\\s+@\\w+\\s+\\w|\\bsys\\.(?:objects|tables|columns|databases|user_objects|all_tables|all_users|dba_users|sysobjects)\\b|\\bmysql\\.user\\b|\\bpg_(?:catalog|shadow|user|database)\\b|\\bsqlite_master\\b|\\bmsysobjects\\b|\\bv\\$(?:version|instance|database)\\b|\\bfrom\\s+dual\\b)`,
  },
  // `'INJ'||'ECT'`, `' || fn(`: concatenation out of a string literal.
  {
    id: 'sqli-concatenation',
    category: 'sqli',
    regex: `(?:'\\w*'\\s*\\|\\|\\s*'|${QUOTE}\\s*\\|\\|\\s*[\\w.$]+\\s*\\()`,
  },
];

/** DOM event handlers, a closed list: `onboarding=true` or `one=1` are not handlers. */
const EVENT_HANDLERS = words(`
  abort activate afterprint afterscriptexecute animationcancel animationend animationiteration animationstart
  auxclick beforeactivate beforecopy beforecut beforedeactivate beforeinput beforepaste beforeprint
  beforescriptexecute beforetoggle beforeunload begin blur bounce canplay canplaythrough change click close
  contextmenu copy cuechange cut dblclick deactivate drag dragend dragenter dragleave dragover dragstart drop
  durationchange emptied end ended error finish focus focusin focusout formchange forminput fullscreenchange
  hashchange input invalid keydown keypress keyup load loadeddata loadedmetadata loadend loadstart message
  mousedown mouseenter mouseleave mousemove mouseout mouseover mouseup mousewheel move offline online
  pagehide pageshow paste pause play playing pointercancel pointerdown pointerenter pointerleave pointermove
  pointerout pointerover pointerrawupdate pointerup popstate progress propertychange ratechange
  readystatechange repeat reset resize scroll scrollend search seeked seeking select selectionchange
  selectstart show start stalled storage submit suspend timeupdate toggle touchcancel touchend touchmove
  touchstart transitioncancel transitionend transitionrun transitionstart unload volumechange waiting wheel
`);

/** Elements that run script or load content by themselves. */
const DANGEROUS_TAGS = words(`
  script iframe frame frameset object embed applet meta base link style svg math form isindex xml xss
  import vmlframe plaintext xmp noscript template portal animate set handler listener layer ilayer bgsound
  marquee
`);

/** HTML and SVG elements, so `<b>` or `</div>` count as markup while `<email>` or `<Enter>` do not. */
const HTML_ELEMENTS = words(`
  a abbr acronym address area article aside audio b bdi bdo big blink blockquote body br button canvas
  caption center cite code col colgroup data datalist dd del details dfn dialog dir div dl dt em fieldset
  figcaption figure font footer h1 h2 h3 h4 h5 h6 head header hgroup hr html i image img input ins kbd keygen
  label legend li listing main map mark menu meter nav nobr noembed noframes ol optgroup option output p
  param picture pre progress q rp rt ruby s samp search section select slot small source span strike strong
  sub summary sup table tbody td textarea tfoot th thead time title tr track tt u ul var video wbr feimage
  foreignobject use g desc stylesheet comment
`);

const XSS_RULES: RegexRule[] = [
  { id: 'xss-dangerous-tag', category: 'xss', regex: `</?(?:${DANGEROUS_TAGS})\\b` },
  {
    id: 'xss-html-element',
    category: 'xss',
    regex: `(?:</?(?:${HTML_ELEMENTS})(?:[\\s/>]|$)|</[a-z][\\w:.-]*\\s*>)`,
  },
  // Any tag-like token with an attribute right after its name: `<x onxxx=1`, `<x/src=`.
  { id: 'xss-tag-with-attribute', category: 'xss', regex: `<[a-z][\\w:.-]*[\\s/]+[\\w:-]+\\s*=` },
  // A tag with an attribute that loads or runs something, whatever the element: `<a href=javascript:`.
  {
    id: 'xss-tag-attribute',
    category: 'xss',
    regex: `<[a-z][\\w:-]*[\\s/][^>]*\\b(?:src|href|action|formaction|data|poster|background|dynsrc|lowsrc|xlink:href|style)\\s*=`,
  },
  // Comments, CDATA, DTD declarations, processing instructions, server-side template openers.
  {
    id: 'xss-markup-declaration',
    category: 'xss',
    regex: `(?:<!--|<!\\[cdata\\[|<!\\[if\\b|<!(?:doctype|entity|attlist|element)\\b|<\\?(?:php|xml|=|\\s|$)|<%)`,
  },
  // `<` as UTF-7 (`+ADw-`); a value that is nothing but a (possibly encoded) `<`, an encoding probe; an
  // encoded `<` opening a tag.
  {
    id: 'xss-encoded-angle',
    category: 'xss',
    regex: `(?:\\+ad[w4]-|^\\s*(?:&lt;?|&#0*60;?|&#x0*3c;?|\\\\x3c|\\\\u003c|<)\\s*$|(?:&lt;?|&#0*60;?|&#x0*3c;?|\\\\x3c|\\\\u003c)/?[a-z!])`,
  },
  // An event handler in a tag, after a closed attribute (`" onfocus=`), opening the value, or set to code.
  {
    id: 'xss-event-handler',
    category: 'xss',
    regex: `(?:(?:^\\s*|${QUOTE}\\s*/?\\s*|<[^>]*[\\s/"'\`])on(?:${EVENT_HANDLERS})\\s*=|\\bon(?:${EVENT_HANDLERS})\\s*=\\s*${QUOTE}?\\s*(?:[\\w.$]+\\s*[(\`]|javascript:))`,
  },
  {
    id: 'xss-script-url',
    category: 'xss',
    regex: `(?:\\b(?:java|vb|live|ecma)script\\s*:(?:[/(\\[{'"\`]|[\\w$.]{1,40}\\s*[(\`=])|\\bdata\\s*:\\s*(?:text/html|text/javascript|image/svg\\+xml|application/(?:x-)?(?:java|ecma)script)\\b)`,
  },
  {
    id: 'xss-script-call',
    category: 'xss',
    regex: `(?:\\b(?:alert|prompt|confirm|eval|settimeout|setinterval|execscript|msgbox)(?:\\(|\`|\\s*\\(\\s*(?:document|string|window|this|\\)))|\\bstring\\.fromcharcode\\b|\\bdocument\\s*\\.\\s*(?:cookie|domain|write|location|body|forms)\\b|\\bwindow\\s*\\.\\s*(?:location|name|open)\\b|\\.innerhtml\\b|\\bcreateelement\\s*\\(|\\bimportscripts\\s*\\(|\\b(?:atob|unescape)\\s*\\(\\s*['"])`,
  },
  {
    id: 'xss-css-expression',
    category: 'xss',
    regex: `(?:[:=]\\s*expression\\s*\\(|\\bbehavior\\s*:\\s*url\\s*\\(|-moz-binding\\s*:|@import\\s+(?:url|['"]))`,
  },
  // Closing a tag or attribute to open an element: `"><img`, `'></title><b`.
  { id: 'xss-breakout', category: 'xss', regex: `/?>\\s*</?[a-z!?]` },
];

const TRAVERSAL_RULES: RegexRule[] = [
  // `../`, `..\` (read as `../`), `..;/` (Tomcat path parameter), `.../`, a value ending in `/..`, or `..`
  // before a character an IIS best-fit mapping turns into a separator (private use area).
  {
    id: 'traversal-dot-dot',
    category: 'path_traversal',
    path: true,
    regex: `(?:^|[/=])(?:\\.{2,}(?:/|;|%|[\\x{e000}-\\x{f8ff}])|\\.\\.$)`,
  },
  // `./\/./`, `.//`: self-referencing segments stacked to slip past a filter on `../`.
  {
    id: 'traversal-dot-slash',
    category: 'path_traversal',
    path: true,
    regex: `(?:^|/)\\.//|(?:^|/)\\./\\./`,
  },
  // A value that is an absolute path into system directories, a scheme wrapper, or a configuration or
  // secret file by its well-known name (`/etc/hosts`, `php://filter`, `/usr/local/apache2/conf/httpd.conf`).
  {
    id: 'traversal-system-path',
    category: 'path_traversal',
    path: true,
    regex: `(?:^\\s*(?:file:/*)?(?:[a-z]:)?/+(?:etc/(?:passwd|shadow|group|hosts|issue|motd|sudoers|crontab|fstab|hostname|resolv\\.conf|profile|bashrc|environment|inittab|httpd|apache2?|nginx|mysql|php\\d?|ssh|ssl|security|sysconfig|network|init\\.d|cron)|proc/|sys/(?:class|kernel|devices|block)|root/|var/(?:log|run|mail|spool|www)/|dev/(?:null|zero|u?random|tcp|udp|stdin|fd)\\b|windows/|winnt/)|^\\s*(?:file:/*)?(?:[a-z]:)?/(?:[\\w.-]+/)*(?:httpd\\.conf|apache2?\\.conf|nginx\\.conf|php\\.ini|my\\.(?:cnf|ini)|access[_.]log|error[_.]log|web\\.config|config\\.inc\\.php|settings\\.php|database\\.yml|\\.env|authorized_keys|known_hosts)$|\\b(?:php|expect|phar|zip|glob|compress\\.zlib|ssh2|rar|ogg)://)`,
  },
  // Files an attacker reaches for, with or without a `../` in front.
  {
    id: 'traversal-sensitive-file',
    category: 'path_traversal',
    path: true,
    regex: `(?:^|[/\\s:=])(?:etc/(?:passwd|shadow|master\\.passwd|sudoers|group)\\b|proc/(?:self|\\d+)/(?:environ|cmdline|fd|maps|mem|status)\\b|(?:windows|winnt)/(?:win\\.ini|system\\.ini|repair)\\b|(?:boot|win|system|desktop)\\.ini\\b|inetpub/|global\\.asa\\b|localstart\\.asp\\b|web-inf/|\\.ht(?:access|passwd)\\b|\\.ssh/|id_(?:rsa|dsa|ecdsa|ed25519)\\b|\\.bash_history\\b|wp-config\\.php\\b)`,
  },
];

/** Commands that are not English words: any separator in front of them is enough. */
const COMMANDS = words(`
  whoami uname ifconfig ipconfig netstat netsh nslookup systeminfo tasklist certutil bitsadmin powershell
  wget curl ncat netcat printenv
`);
/**
 * Short commands that read like words or abbreviations: they need an end, a separator or an argument
 * after them. Unix names are matched in lower case only, as a Unix shell does (`Name; ID; Email` runs
 * nothing); Windows names in any case.
 */
const SHORT_COMMANDS = `(?:(?-i:${words(`
  id ls pwd nc env sleep ping cat echo rm touch kill find head tail cp mv exec eval wc grep awk sed xargs
  telnet tftp chmod passwd sudo
`)})|dir|set|ver|type|more|cmd|ping|echo)`;
const ARGUMENT = `(?:\\s*(?:$|[;|&\`\\n)])|\\s+\\d+\\s*(?:$|[;|&\`)])|\\s+(?:-{1,2}[a-z0-9]|/|[a-z]:\\\\|\\$|https?://|\\d+\\.\\d+\\.\\d+\\.\\d+|['"<>|;&\`]|\\d+\\s*$))`;
const SEPARATOR = `(?:[;|&\`\\n\\r]|\\$\\(|\\$\\{)`;
const BIN_PATH = `(?:(?:/usr)?(?:/s?bin)?/)?`;

const COMMAND_RULES: RegexRule[] = [
  {
    id: 'cmdi-separator-command',
    category: 'command_injection',
    regex: `${SEPARATOR}\\s*${BIN_PATH}(?:(?:${COMMANDS})(?:\\.exe)?\\b|net\\s+(?:user|view|localgroup|share|use)\\b)`,
  },
  {
    id: 'cmdi-separator-short-command',
    category: 'command_injection',
    regex: `${SEPARATOR}\\s*${BIN_PATH}${SHORT_COMMANDS}${ARGUMENT}`,
  },
  // A reverse shell, an interpreter one-liner, or a system file read, anywhere.
  {
    id: 'cmdi-shell-invocation',
    category: 'command_injection',
    regex: `(?:\\b(?:nc|ncat|netcat)\\s+-[a-z]*[elp]|/bin/(?:ba|z|k|c|tc|da)?sh\\b|\\b(?:bash|sh|zsh)\\s+-[ci]\\b|\\bperl\\s+-e\\b|\\bpython[23]?\\s+-c\\b|\\bphp\\s+-r\\b|\\bruby\\s+-e\\b|\\bpowershell(?:\\.exe)?\\s+-(?:enc|e|c|nop|w|ep|command)\\b|\\bcmd(?:\\.exe)?\\s*/[ck]\\b|\\b(?:cat|type|more|less|head|tail)\\s+(?:/etc/|/proc/|[a-z]:\\\\))`,
  },
  // Shellshock, server-side includes, PHP code.
  {
    id: 'cmdi-code',
    category: 'command_injection',
    regex: `(?:\\(\\s*\\)\\s*\\{[^}]*\\}\\s*;|<!--\\s*#\\s*(?:exec|include|echo|config|printenv)\\b|<\\?php\\b|\\$_(?:get|post|request|cookie|server|files)\\s*\\[|\\{\\s*\\$\\s*\\{?\\s*\\w+\\s*\\(|\\b(?:system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec|assert|eval)\\s*\\(\\s*['"$\`])`,
  },
];

export const REGEX_RULES: readonly RegexRule[] = [
  ...SQL_RULES,
  ...XSS_RULES,
  ...TRAVERSAL_RULES,
  ...COMMAND_RULES,
];

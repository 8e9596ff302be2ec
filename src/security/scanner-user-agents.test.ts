import { describe, expect, it } from 'vitest';
import { matchScannerUserAgent, parseScannerList } from './scanner-user-agents.js';

/** User agents as the tools send them by default (from their source code or captured traffic). */
const SCANNERS: Array<[string, string]> = [
  ['sqlmap/1.8.4#stable (https://sqlmap.org)', 'SCANNER_UA_SQLMAP'],
  ['sqlmap/1.0-dev-nongit-20160427 (http://sqlmap.org)', 'SCANNER_UA_SQLMAP'],
  ['Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000123)', 'SCANNER_UA_NIKTO'],
  ['Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:Port Check)', 'SCANNER_UA_NIKTO'],
  ['Nuclei - Open-source project (github.com/projectdiscovery/nuclei)', 'SCANNER_UA_NUCLEI'],
  ['masscan/1.3 (https://github.com/robertdavidgraham/masscan)', 'SCANNER_UA_MASSCAN'],
  ['Mozilla/5.0 zgrab/0.x', 'SCANNER_UA_ZGRAB'],
  ['Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)', 'SCANNER_UA_NMAP'],
  ['WPScan v3.8.25 (https://wpscan.com/wordpress-security-scanner)', 'SCANNER_UA_WPSCAN'],
  [
    'DirBuster-1.0-RC1 (http://www.owasp.org/index.php/Category:OWASP_DirBuster_Project)',
    'SCANNER_UA_DIRBUSTER',
  ],
  ['gobuster/3.6', 'SCANNER_UA_GOBUSTER'],
  ['Fuzz Faster U Fool v2.1.0-dev', 'SCANNER_UA_FFUF'],
  ['Wfuzz/3.1.0', 'SCANNER_UA_WFUZZ'],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) Acunetix-Product', 'SCANNER_UA_ACUNETIX'],
  ['Mozilla/5.0 (compatible; Netsparker)', 'SCANNER_UA_NETSPARKER'],
  ['Mozilla/5.0 [en] (X11, U; OpenVAS-VT 22.4.1)', 'SCANNER_UA_OPENVAS'],
  ['Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 5.1; Trident/4.0; w3af.org)', 'SCANNER_UA_W3AF'],
  ['Arachni/v1.6.1.3', 'SCANNER_UA_ARACHNI'],
  ['Mozilla/5.0 SF/2.10b skipfish', 'SCANNER_UA_SKIPFISH'],
  [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0 ZAP/2.14.0',
    'SCANNER_UA_OWASP_ZAP',
  ],
  ['OWASP ZAP 2.12', 'SCANNER_UA_OWASP_ZAP'],
  ['Havij', 'SCANNER_UA_HAVIJ'],
  ['commix/v3.9-stable (https://commixproject.com)', 'SCANNER_UA_COMMIX'],
  ['XSStrike', 'SCANNER_UA_XSSTRIKE'],
  ['Jaeles - Automated Web Application Testing', 'SCANNER_UA_JAELES'],
  ['Mozilla/5.0 dirsearch', 'SCANNER_UA_DIRSEARCH'],
  ['feroxbuster/2.10.4', 'SCANNER_UA_FEROXBUSTER'],
  ['WhatWeb/0.5.5', 'SCANNER_UA_WHATWEB'],
  ['Mozilla/4.0 (Hydra)', 'SCANNER_UA_HYDRA'],
  ['Teh Forest Lobster', 'SCANNER_UA_MEDUSA'],
  ['Nessus SOAP', 'SCANNER_UA_NESSUS'],
  ['Wapiti/3.1.8', 'SCANNER_UA_WAPITI'],
  ['Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)', 'SCANNER_UA_CENSYS'],
  ['ZmEu', 'SCANNER_UA_ZMEU'],
  ['Morfeus Fucking Scanner', 'SCANNER_UA_MORFEUS'],
  ['l9explore/1.3.0', 'SCANNER_UA_LEAKIX'],
  // Case and position do not matter.
  ['SQLMAP', 'SCANNER_UA_SQLMAP'],
  ['Mozilla/5.0 (X11; Linux x86_64) something-else (NIKTO)', 'SCANNER_UA_NIKTO'],
];

/** Ordinary clients: browsers on several systems, HTTP libraries and tools, search-engine bots. */
const BENIGN = [
  // Chrome, Firefox, Safari, Edge, Opera, Samsung Internet on desktop and mobile
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36',
  'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 OPR/109.0.0.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8 Pro) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36',
  'Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0',
  'Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko',
  'Mozilla/5.0 (Linux; U; Android 4.0.3; ko-kr; LG-L160L Build/IML74K) AppleWebkit/534.30 (KHTML, like Gecko) Version/4.0 Mobile Safari/534.30',
  // HTTP libraries, SDKs and command-line tools
  'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)',
  'node',
  'undici',
  'axios/1.6.8',
  'got (https://github.com/sindresorhus/got)',
  'okhttp/4.12.0',
  'python-requests/2.31.0',
  'python-httpx/0.27.0',
  'Python-urllib/3.12',
  'aiohttp/3.9.5',
  'Go-http-client/1.1',
  'Go-http-client/2.0',
  'Java/17.0.10',
  'Apache-HttpClient/4.5.14 (Java/17.0.10)',
  'Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/AP1A.240405.002)',
  'Microsoft .NET Framework',
  'Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.22621.2506',
  'Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.22631; en-US) PowerShell/7.4.2',
  'curl/8.7.1',
  'Wget/1.21.4',
  'Wget/1.21.4 (linux-gnu)',
  'HTTPie/3.2.2',
  'PostmanRuntime/7.37.3',
  'insomnia/2023.5.8',
  'Ruby',
  'Faraday v2.9.0',
  'GuzzleHttp/7',
  'libcurl/8.4.0 r-curl/5.2.1 httr/1.4.7',
  'Dart/3.3 (dart:io)',
  'Electron/29.3.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) MyLicensedApp/4.2.1 Chrome/120.0.6099.291 Electron/28.2.9 Safari/537.36',
  'Zapier',
  'Zapier/1.0 (+https://zapier.com)',
  'unmapped-client/1.0',
  'KeyManager-SDK/1.4.0 (dotnet 8.0; win-x64)',
  'UnityPlayer/2022.3.22f1 (UnityWebRequest/1.0, libcurl/8.5.0-DEV)',
  'Steam 1291340 / iPhone',
  'CFNetwork/1494.0.7 Darwin/23.4.0',
  'Hydrated/2.0',
  // Search-engine and well-known bots
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.118 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  'DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)',
  'Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)',
  'Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)',
  'Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)',
  'Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)',
  'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
  'Twitterbot/1.0',
  'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
  'Mozilla/5.0 (compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)',
  'kube-probe/1.29',
  'ELB-HealthChecker/2.0',
  '',
];

describe('matchScannerUserAgent', () => {
  it.each(SCANNERS)('recognises %s', (userAgent, ruleId) => {
    expect(matchScannerUserAgent(userAgent)).toBe(ruleId);
  });

  it.each(BENIGN.map((ua) => [ua]))('lets %s through', (userAgent) => {
    expect(matchScannerUserAgent(userAgent)).toBeNull();
  });

  it('matches whole words only', () => {
    const list = parseScannerList('zap zap/\nnmap\nhydra (hydra)');
    expect(matchScannerUserAgent('ZAP/2.14', list)).toBe('SCANNER_UA_ZAP');
    expect(matchScannerUserAgent('Zapier/1.0', list)).toBeNull();
    expect(matchScannerUserAgent('unmapped nmapper', list)).toBeNull();
    expect(matchScannerUserAgent('x;nmap;y', list)).toBe('SCANNER_UA_NMAP');
    expect(matchScannerUserAgent('Hydra/2.0', list)).toBeNull();
    expect(matchScannerUserAgent('Mozilla/4.0 (Hydra)', list)).toBe('SCANNER_UA_HYDRA');
  });

  it('reads names, patterns and comments from the list', () => {
    expect(parseScannerList('# comment\n\nsqlmap   # the tool\nffuf   fuzz faster u fool  # x\n')).toEqual([
      { rule_id: 'SCANNER_UA_SQLMAP', pattern: 'sqlmap' },
      { rule_id: 'SCANNER_UA_FFUF', pattern: 'fuzz faster u fool' },
    ]);
  });

  it('ships a list with every tool the issue names', () => {
    for (const tool of ['sqlmap', 'nikto', 'nuclei', 'masscan', 'zgrab']) {
      expect(matchScannerUserAgent(`${tool}/1.0`)).toBe(`SCANNER_UA_${tool.toUpperCase()}`);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { BENIGN_USER_AGENTS as BENIGN } from '../../test/security/fixtures/user-agents.js';
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

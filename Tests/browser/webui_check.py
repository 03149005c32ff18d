"""The web UI in a real browser (Debian's chromium through Selenium and chromedriver),
against a running `vigil up`: log in through the form, find this machine, see its CPU
chart drawn from real telemetry, run a live query and watch its rows arrive through the
page's script, and check that a process named with markup shows as text.

Controls are found by their <label> text, as a person (or a screen reader) finds them,
and driven with the keyboard where a person would type. A screenshot of each page goes
to the artifact directory.

Usage: webui_check.py URL ADMIN_PASSWORD_FILE HOSTNAME MARKUP_PID MARKUP_NAME MARKUP_ARGV0 ARTIFACT_DIR
Prints one "ok: ..." line per check and exits 0, or prints "FAIL: ..." and exits 1.
"""
import json
import os
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, NoSuchElementException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

url, password_file, hostname, markup_pid, markup_name, markup_argv0, artifacts = sys.argv[1:8]
password = open(password_file).read().strip()
os.makedirs(artifacts, exist_ok=True)


def fail(message):
    print("FAIL: " + message, flush=True)
    sys.exit(1)


def ok(message):
    print("ok: " + message, flush=True)


options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1100"):
    options.add_argument(flag)
# The server's certificate is signed by the CA `vigil up` made; TLS itself is checked
# by the fleet tests, here the browser only needs to get to the pages.
options.accept_insecure_certs = True
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
# A page being replaced by the next one leaves stale elements behind: look again.
SETTLING = (NoSuchElementException, StaleElementReferenceException)
wait = WebDriverWait(driver, 30, ignored_exceptions=SETTLING)


def shot(name):
    path = os.path.join(artifacts, name + ".png")
    driver.save_screenshot(path)
    ok("screenshot " + path)


def by_label(text):
    """The control a <label for> with this text names."""
    labels = [l for l in driver.find_elements(By.TAG_NAME, "label") if l.text.strip() == text]
    if not labels:
        fail("no control labelled %r on %s" % (text, driver.current_url))
    return driver.find_element(By.ID, labels[0].get_attribute("for"))


def await_profile(section, selector, seconds):
    """Wait until the profile section `section` shows `selector` (a profile done), or fail
    with the states it lists. No reload: the page follows the profile's event stream
    (profile.js) and reloads itself when it is done."""
    deadline = time.time() + seconds
    while True:
        found = driver.find_elements(By.CSS_SELECTOR, selector)
        if found:
            return found
        try:
            states = [td.text for td in driver.find_elements(By.CSS_SELECTOR, "#%s tbody td:nth-child(3)" % section)]
        except StaleElementReferenceException:
            continue  # the page reloaded itself meanwhile
        if any(s.startswith("failed") for s in states):
            fail("the profile in #%s failed: %s" % (section, states))
        if time.time() > deadline:
            fail("no profile arrived in #%s within %d s: %s" % (section, seconds, states))
        time.sleep(1)


def drawn(selector):
    """Wait until the image `selector` has loaded; its width."""
    graph = driver.find_element(By.CSS_SELECTOR, selector)
    WebDriverWait(driver, 30, ignored_exceptions=SETTLING).until(
        lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", graph))
    return driver.execute_script("return arguments[0].naturalWidth", graph)


def heading():
    return driver.find_element(By.TAG_NAME, "h1").text


def no_alert():
    try:
        alert = driver.switch_to.alert
        fail("a script ran and opened an alert: %r" % alert.text)
    except NoAlertPresentException:
        pass


try:
    # Log in through the form, with the keyboard.
    driver.get(url + "/")
    if "/login" not in driver.current_url:
        fail("without a session / did not lead to the login form: " + driver.current_url)
    shot("login")
    by_label("User name").send_keys("admin")
    by_label("Password").send_keys(password + Keys.ENTER)
    wait.until(lambda d: heading() == "Dashboard")
    ok("logged in through the form")
    online = int(driver.find_element(By.CSS_SELECTOR, ".tile.online .count").text)
    if online < 1:
        fail("the dashboard counts %d hosts online" % online)
    shot("dashboard")
    # Keyboard: the first Tab reaches "Skip to content", the second the navigation.
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    first = driver.switch_to.active_element.text
    driver.switch_to.active_element.send_keys(Keys.TAB)
    second = driver.switch_to.active_element.text
    if first != "Skip to content" or second != "Vigil":
        fail("Tab reaches %r then %r" % (first, second))
    ok("the keyboard reaches the skip link, then the navigation")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    driver.refresh()
    background = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
    if background in ("rgb(247, 247, 245)", "rgba(0, 0, 0, 0)"):
        fail("the dark theme did not apply: body background %s" % background)
    shot("dashboard-dark")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "light"}]})

    # Profile the server itself (30 s): it runs while the rest of the pages are checked,
    # and its flame graph is looked for on the dashboard afterwards.
    driver.find_element(By.XPATH, "//button[normalize-space()='Profile the server for 30 s']").click()
    wait.until(lambda d: "#server-profile" in d.current_url)
    ok("asked the server to profile itself")

    # Find this machine on the hosts page.
    driver.find_element(By.LINK_TEXT, "Hosts").click()
    wait.until(lambda d: heading() == "Hosts")
    by_label("Search").send_keys(hostname + Keys.ENTER)
    wait.until(lambda d: "q=" in d.current_url)
    links = driver.find_elements(By.XPATH, "//table[@id='hosts']//a[normalize-space()=%s]" % json.dumps(hostname))
    if not links:
        fail("%s is not in the hosts list" % hostname)
    ok("found %s in the hosts list" % hostname)
    shot("hosts")
    links[0].click()
    wait.until(lambda d: heading() == hostname)

    # Its CPU chart, drawn by the server from the agent's 10 s telemetry.
    deadline = time.time() + 90
    while True:
        charts = driver.find_elements(By.CSS_SELECTOR, "#cost svg[data-points]")
        points = int(charts[0].get_attribute("data-points")) if charts else 0
        lines = driver.find_elements(By.CSS_SELECTOR, "#cost svg polyline.line")
        if points >= 3 and lines:
            break
        if time.time() > deadline:
            fail("the CPU chart has %d points after 90 s (the agent reports every 10 s)" % points)
        time.sleep(5)
        driver.refresh()
    ok("the CPU chart has %d points (%s)" % (points, charts[0].get_attribute("aria-label")))
    driver.execute_script("document.getElementById('cost').scrollIntoView()")
    shot("host")

    # A live query from the host page. The recursive count makes the agent take about a
    # second, so the page is there before the rows and they arrive through live.js; on a
    # machine so busy that the page came later, once more with a slower count.
    for count in (3000000, 10000000):
        sql = ("SELECT p.pid, p.name, p.cmdline FROM processes p, "
               "(WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < %d) SELECT count(*) FROM c) "
               "WHERE p.pid IN (1, %s)" % (count, markup_pid))
        box = by_label("SQL")
        box.clear()
        box.send_keys(sql)
        driver.find_element(By.XPATH, "//button[normalize-space()='Run on this host']").click()
        wait.until(lambda d: heading().startswith("Live query"))
        rendered_after = driver.find_element(By.ID, "rows").get_attribute("data-after")
        if rendered_after == "0":
            break
        ok("the rows were in the page when it loaded (count %d): again, slower" % count)
        driver.back()
        wait.until(lambda d: heading() == hostname)
    try:
        WebDriverWait(driver, 60, ignored_exceptions=SETTLING).until(lambda d: d.find_element(By.ID, "rows").get_attribute("data-stream") == "done")
    except TimeoutException:
        fail("the live query's stream did not finish in 60 s: %s" % driver.find_element(By.ID, "progress").text)
    table = driver.find_element(By.ID, "rows")
    headers = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
    rows = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")] for tr in table.find_elements(By.CSS_SELECTOR, "tbody tr")]
    ok("live query columns %s, %d rows" % (headers, len(rows)))
    if rendered_after != "0":
        fail("the rows were already in the page when it loaded (data-after=%s): the script's stream was not exercised" % rendered_after)
    pid = headers.index("pid")
    by_pid = {r[pid]: dict(zip(headers, r)) for r in rows}
    if "1" not in by_pid:
        fail("no row for pid 1 arrived: %s" % rows)
    ok("pid 1 (%s) arrived from %s through the event stream" % (by_pid["1"]["name"], by_pid["1"]["host_identifier"]))
    state = driver.find_element(By.CSS_SELECTOR, "#targets td.state").text
    if state != "answered":
        fail("the target's state reads %r" % state)
    shot("live")

    # The process named with markup: its name and command line are text in the table.
    row = by_pid.get(markup_pid)
    if row is None:
        fail("no row for the markup process %s: %s" % (markup_pid, rows))
    if row["name"] != markup_name:
        fail("the markup process's name reads %r, not %r" % (row["name"], markup_name))
    if markup_argv0 not in row["cmdline"]:
        fail("the markup process's command line reads %r" % row["cmdline"])
    if table.find_elements(By.TAG_NAME, "img") or driver.find_elements(By.CSS_SELECTOR, "main img"):
        fail("markup from a process became an element")
    no_alert()
    ok("the process named %r shows as text" % markup_name)
    # And after a reload, as the server renders it (no script needed).
    driver.refresh()
    if driver.find_elements(By.CSS_SELECTOR, "#rows img") or markup_name not in driver.find_element(By.ID, "rows").text:
        fail("after a reload the markup process is not shown as text")
    no_alert()
    ok("after a reload the rows are in the page, as text")

    # Profile the agent from its page: the request reaches the real agent, which samples
    # itself for 30 s and uploads a pprof; the page lists it with its download.
    driver.find_element(By.CSS_SELECTOR, "#targets a").click()
    wait.until(lambda d: heading() == hostname)
    driver.find_element(By.XPATH, "//button[normalize-space()='Profile this agent for 30 s']").click()
    wait.until(lambda d: "#profiles" in d.current_url)
    links = await_profile("profiles", "#profiles a[download]", 120)
    magic = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then(r => r.arrayBuffer()).then(b => done(Array.from(new Uint8Array(b.slice(0, 2))))).catch(e => done(String(e)));
    """, links[0].get_attribute("href"))
    if magic != [0x1F, 0x8B]:
        fail("the pprof download does not start as gzip: %r" % magic)
    ok("a 30 s profile of the agent arrived; its pprof downloads as gzip")
    ok("its flame graph is drawn (%d px wide)" % drawn("#profiles figure.flame img"))
    driver.execute_script("document.getElementById('profiles').scrollIntoView()")
    shot("profiles")

    # By now the server's own profile (asked for on the dashboard) is done: its flame graph
    # is drawn in the server's card.
    driver.find_element(By.LINK_TEXT, "Dashboard").click()
    wait.until(lambda d: heading() == "Dashboard")
    await_profile("server-profile", "#server-profile figure.flame img", 60)
    drawn("#server-profile figure.flame img")
    ok("the server's own flame graph is drawn on the dashboard")
    driver.execute_script("document.getElementById('server-profile').scrollIntoView()")
    shot("server-profile")

    # The live query form: its SQL editor colours the SQL (sql.js, from this origin) and
    # shows the server's schema check as the SQL is typed.
    driver.find_element(By.LINK_TEXT, "Live query").click()
    wait.until(lambda d: heading() == "Live query")
    box = by_label("SQL")
    by_label("Host identifiers (one per line)")
    keywords = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".sql-layer span.kw")]
    if "SELECT" not in keywords or "FROM" not in keywords:
        fail("the SQL editor does not colour keywords: %r" % keywords)
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.DELETE)
    box.send_keys("SELECT pid, nmae FROM processes WHERE name = '<b>x</b>'")
    try:
        WebDriverWait(driver, 15, ignored_exceptions=SETTLING).until(lambda d: "no such column: nmae" in d.find_element(By.ID, "sql-check").text)
    except TimeoutException:
        fail("the editor did not show the server's check: %r" % driver.find_element(By.ID, "sql-check").text)
    marked = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".sql-layer .err")]
    if marked != ["nmae"]:
        fail("the editor marks %r, not the wrong column" % marked)
    strings = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".sql-layer span.str")]
    if strings != ["'<b>x</b>'"] or driver.find_elements(By.CSS_SELECTOR, ".sql-layer b"):
        fail("a string in the SQL became markup in the editor: %r" % strings)
    ok("the editor colours the SQL and shows the server's check (%s)" % driver.find_element(By.ID, "sql-check").text)
    shot("live-form")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.DELETE)
    box.send_keys("SELECT pid, name FROM processes")
    WebDriverWait(driver, 15, ignored_exceptions=SETTLING).until(lambda d: "checks against" in d.find_element(By.ID, "sql-check").text)
    ok("a right query checks")

    # A scheduled query through the queries page's form, found by its labels.
    driver.find_element(By.LINK_TEXT, "Queries").click()
    wait.until(lambda d: heading() == "Scheduled queries")
    by_label("Name").send_keys("browser_ports")
    by_label("SQL").send_keys("SELECT port FROM listening_ports")
    interval = by_label("Interval (seconds)")
    interval.clear()
    interval.send_keys("600")
    by_label("Type").send_keys("Snapshot")
    driver.find_element(By.XPATH, "//form[@id='query-form']//button[@type='submit']").click()
    wait.until(lambda d: d.find_elements(By.XPATH, "//table[@id='scheduled']//td[normalize-space()='browser_ports']"))
    row = driver.find_element(By.XPATH, "//table[@id='scheduled']//tr[td[normalize-space()='browser_ports']]")
    if "600 s" not in row.text or "snapshot" not in row.text:
        fail("the saved query reads %r" % row.text)
    ok("a scheduled query was added through the form: %s" % row.text)
    shot("queries")
    for link, title, name in (("Labels", "Labels", "labels"), ("Packs", "Packs", "packs"), ("Performance", "Query performance", "performance"),
                              ("Settings", "Settings", "settings")):
        driver.find_element(By.LINK_TEXT, link).click()
        wait.until(lambda d: heading() == title)
        shot(name)
    driver.find_element(By.LINK_TEXT, "Users").click()
    wait.until(lambda d: heading() == "Users")
    shot("users")
    logs = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    csp = [e for e in logs if "Content Security Policy" in e.get("message", "")]
    if csp:
        fail("the browser reports CSP violations: %s" % csp)
    ok("no CSP violations in the browser's console")
    print("browser checks passed", flush=True)
finally:
    driver.quit()

// The monitor window on a screen of a real size (1280×720, 1366×768, 1920×1080: CTest runs the
// suite once per size, the offscreen platform given that screen by its configuration file):
// the first window is inside the screen's available geometry, no two visible docks overlap,
// no dock's content is squeezed below its minimum, and that stays so after every dock tab is
// clicked and every workspace is applied; the window keeps the size the user gave it.
#include <monitorwindow.h>

#include "testsettings.h"

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QMenu>
#include <QMenuBar>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QTabBar>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace Sockscope;

class tst_MonitorLayout : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void firstWindowInsideTheScreen();
    void noDockOverlapsAnother();
    void tabClicksKeepTheWindowInside();
    void eventLogGetsTheRoom();
    void workspacesShowTheirDocks();
    void everyDockHasAKey();
    void geometryRemembered();

private:
    // Every way the layout is wrong now, one line each; empty if none.
    QStringList layoutProblems() const;
    QList<QDockWidget *> docksOnScreen() const;
    QRect globalRect(const QWidget *w) const
    {
        return QRect(w->mapToGlobal(QPoint(0, 0)), w->size());
    }
    void settle();

    QTemporaryDir m_settingsDir;
    QRect m_available;
    std::unique_ptr<MonitorWindow> m_window;
};

void tst_MonitorLayout::initTestCase()
{
    QVERIFY(m_settingsDir.isValid());
    TestShared::keepSettingsIn(m_settingsDir, u"tst_monitorlayout"_s);
    // The screen is the one CTest asked for: a run on the plugin's default screen proves nothing.
    const QString asked = qEnvironmentVariable("SOCKSCOPE_TEST_SCREEN");
    QVERIFY2(!asked.isEmpty(),
             "run through CTest, or set SOCKSCOPE_TEST_SCREEN=WxH and "
             "QT_QPA_PLATFORM=offscreen:configfile=… with that screen");
    const QScreen *screen = QGuiApplication::primaryScreen();
    QVERIFY(screen);
    const QSize size = screen->geometry().size();
    QCOMPARE(u"%1x%2"_s.arg(size.width()).arg(size.height()), asked);
    m_available = screen->availableGeometry();
    QVERIFY(!m_available.isEmpty());
}

void tst_MonitorLayout::init()
{
    QSettings().clear(); // each test starts as a first run
    m_window = std::make_unique<MonitorWindow>();
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    settle();
}

void tst_MonitorLayout::cleanup() { m_window.reset(); }

void tst_MonitorLayout::settle()
{
    // Dock layouts are applied on the next passes of the event loop (and animate).
    for (int i = 0; i < 5; ++i) {
        QCoreApplication::processEvents();
        QTest::qWait(20);
    }
}

QList<QDockWidget *> tst_MonitorLayout::docksOnScreen() const
{
    QList<QDockWidget *> shown;
    const auto docks = m_window->findChildren<QDockWidget *>();
    for (QDockWidget *d : docks) {
        // A dock behind another's tab is "visible", moved out of the window.
        if (d->isVisible() && !d->isFloating() && !d->visibleRegion().isEmpty())
            shown.append(d);
    }
    return shown;
}

QStringList tst_MonitorLayout::layoutProblems() const
{
    QStringList problems;
    const QRect frame = m_window->frameGeometry();
    if (!m_available.contains(frame))
        problems.append(u"window %1,%2 %3×%4 outside the screen's %5×%6"_s.arg(frame.x())
                                .arg(frame.y())
                                .arg(frame.width())
                                .arg(frame.height())
                                .arg(m_available.width())
                                .arg(m_available.height()));
    const QSize minimum = m_window->minimumSizeHint();
    if (minimum.width() > m_available.width() || minimum.height() > m_available.height())
        problems.append(u"minimum size %1×%2"_s.arg(minimum.width()).arg(minimum.height()));

    struct Area
    {
        QString name;
        QRect rect;
    };
    QList<Area> areas;
    const QRect window = globalRect(m_window.get());
    auto add = [&](const QString &name, const QWidget *w) {
        const QRect r = globalRect(w);
        if (!window.contains(r))
            problems.append(u"%1 reaches out of the window"_s.arg(name));
        areas.append({name, r});
    };
    add(u"event log"_s, m_window->centralWidget());
    const auto docks = docksOnScreen();
    for (QDockWidget *d : docks) {
        add(d->objectName(), d);
        QWidget *content = d->widget();
        if (!globalRect(d).contains(globalRect(content)))
            problems.append(u"%1's content reaches out of its dock"_s.arg(d->objectName()));
        // Squeezed below its minimum, a panel's rows are drawn over each other or cut.
        const QSize need = content->minimumSizeHint().expandedTo(content->minimumSize());
        if (content->width() < need.width() || content->height() < need.height())
            problems.append(u"%1 is %2×%3, under its minimum %4×%5"_s.arg(d->objectName())
                                    .arg(content->width())
                                    .arg(content->height())
                                    .arg(need.width())
                                    .arg(need.height()));
    }
    for (qsizetype i = 0; i < areas.size(); ++i) {
        for (qsizetype j = i + 1; j < areas.size(); ++j) {
            if (areas.at(i).rect.intersects(areas.at(j).rect))
                problems.append(u"%1 overlaps %2"_s.arg(areas.at(i).name, areas.at(j).name));
        }
    }
    return problems;
}

void tst_MonitorLayout::firstWindowInsideTheScreen()
{
    const QStringList problems = layoutProblems();
    QVERIFY2(m_available.contains(m_window->frameGeometry()), qPrintable(problems.join(u"; "_s)));
    // A large screen is not filled to the edge, a small one is used.
    QVERIFY(m_window->frameGeometry().width() >= qMin(m_available.width() * 9 / 10, 1200));
    QVERIFY(m_window->frameGeometry().height() >= qMin(m_available.height() * 9 / 10, 800));
}

void tst_MonitorLayout::noDockOverlapsAnother()
{
    const QStringList problems = layoutProblems();
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u"\n"_s)));
    // The docks that matter most are on screen at first.
    for (const char *name : {"serverDock", "socketsDock", "roomsDock", "socketDock"}) {
        auto *dock = m_window->findChild<QDockWidget *>(QLatin1String(name));
        QVERIFY2(dock && dock->isVisible(), name);
    }
}

void tst_MonitorLayout::tabClicksKeepTheWindowInside()
{
    const QSize before = m_window->size();
    const auto bars = m_window->findChildren<QTabBar *>(Qt::FindDirectChildrenOnly);
    int clicked = 0;
    for (QTabBar *bar : bars) {
        if (!bar->isVisible())
            continue;
        for (int i = 0; i < bar->count(); ++i) {
            QTest::mouseClick(bar, Qt::LeftButton, {}, bar->tabRect(i).center());
            settle();
            QCOMPARE(bar->currentIndex(), i);
            ++clicked;
            const QStringList problems = layoutProblems();
            QVERIFY2(problems.isEmpty(),
                     qPrintable(u"after the tab %1:\n"_s.arg(bar->tabText(i))
                                + problems.join(u"\n"_s)));
            QVERIFY2(m_window->size() == before,
                     qPrintable(u"the tab %1 resized the window from %2×%3 to %4×%5"_s
                                        .arg(bar->tabText(i))
                                        .arg(before.width())
                                        .arg(before.height())
                                        .arg(m_window->width())
                                        .arg(m_window->height())));
        }
    }
    // Details, Handshake, Rules and Emit share a tab bar; Sockets and Frames another.
    QVERIFY2(clicked >= 6, qPrintable(QString::number(clicked)));
}

void tst_MonitorLayout::eventLogGetsTheRoom()
{
    // The centre of the tool: at least half the window's width and a third of its height.
    QWidget *log = m_window->centralWidget();
    QVERIFY2(log->width() * 2 >= m_window->width(),
             qPrintable(u"%1 of %2"_s.arg(log->width()).arg(m_window->width())));
    QVERIFY2(log->height() * 3 >= m_window->height(),
             qPrintable(u"%1 of %2"_s.arg(log->height()).arg(m_window->height())));
}

void tst_MonitorLayout::workspacesShowTheirDocks()
{
    using W = MonitorWindow::Workspace;
    const QSize before = m_window->size();
    const QHash<QString, QStringList> expected {
            {u"actionWorkspaceMonitor"_s,
             {u"serverDock"_s, u"rateDock"_s, u"roomsDock"_s, u"socketsDock"_s, u"socketDock"_s,
              u"detailsDock"_s}},
            {u"actionWorkspaceHandshake"_s,
             {u"serverDock"_s, u"socketsDock"_s, u"handshakeDock"_s}},
            {u"actionWorkspaceDebugging"_s,
             {u"socketsDock"_s, u"framesDock"_s, u"socketDock"_s, u"detailsDock"_s, u"emitDock"_s}},
    };
    // Through the View menu, twice round, and back to one already applied.
    const QStringList order {u"actionWorkspaceHandshake"_s, u"actionWorkspaceDebugging"_s,
                             u"actionWorkspaceMonitor"_s,   u"actionWorkspaceDebugging"_s,
                             u"actionWorkspaceHandshake"_s, u"actionWorkspaceHandshake"_s,
                             u"actionWorkspaceMonitor"_s};
    for (const QString &name : order) {
        auto *action = m_window->findChild<QAction *>(name);
        QVERIFY2(action, qPrintable(name));
        QVERIFY(!action->toolTip().isEmpty());
        action->trigger();
        settle();
        QStringList onScreen;
        for (QDockWidget *d : docksOnScreen())
            onScreen.append(d->objectName());
        for (const QString &dock : expected.value(name))
            QVERIFY2(onScreen.contains(dock),
                     qPrintable(name + u": no "_s + dock + u" in "_s + onScreen.join(u", "_s)));
        if (name != u"actionWorkspaceMonitor"_s)
            QCOMPARE(onScreen.size(), expected.value(name).size());
        const QStringList problems = layoutProblems();
        QVERIFY2(problems.isEmpty(), qPrintable(name + u":\n"_s + problems.join(u"\n"_s)));
        QCOMPARE(m_window->size(), before);
        // The demo the workspace is for: the whole accept computation in view, unscrolled.
        if (name == u"actionWorkspaceHandshake"_s) {
            auto *dock = m_window->findChild<QDockWidget *>(u"handshakeDock"_s);
            auto *area = qobject_cast<QScrollArea *>(dock->widget());
            QVERIFY(area);
            const QRect view = globalRect(area->viewport());
            for (const char *field : { "handshakeKey", "handshakeKeyGuid", "handshakeSha1",
                                       "handshakeAccept", "handshakeAcceptCheck" }) {
                auto *w = m_window->findChild<QWidget *>(QLatin1String(field));
                QVERIFY2(w && view.contains(globalRect(w)), field);
            }
        }
    }

    // Reset: every dock open again (Details on top of its tab group), the window its first size.
    m_window->setWorkspace(W::Debugging);
    m_window->resize(m_window->width() - 200, m_window->height() - 100);
    settle();
    m_window->findChild<QAction *>(u"actionResetLayout"_s)->trigger();
    settle();
    QCOMPARE(m_window->size(), before);
    for (QDockWidget *d : m_window->docks())
        QVERIFY2(d->toggleViewAction()->isChecked(), qPrintable(d->objectName()));
    const QStringList problems = layoutProblems();
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u"\n"_s)));
}

void tst_MonitorLayout::everyDockHasAKey()
{
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    const QList<QDockWidget *> docks = m_window->docks();
    QCOMPARE(docks.size(), m_window->findChildren<QDockWidget *>().size());
    QVERIFY(docks.size() >= 10);
    QMenu *view = nullptr;
    for (QAction *a : m_window->menuBar()->actions()) {
        if (a->text().remove(u'&') == u"View"_s)
            view = a->menu();
    }
    QVERIFY(view);
    QList<QKeySequence> keys;
    for (qsizetype i = 0; i < docks.size(); ++i) {
        QDockWidget *d = docks.at(i);
        auto *action = m_window->findChild<QAction *>(u"actionDock_"_s + d->objectName());
        QVERIFY2(action, qPrintable(d->objectName()));
        QVERIFY(view->actions().contains(action)); // listed, with its key, in the View menu
        QVERIFY2(!action->shortcut().isEmpty(), qPrintable(d->objectName()));
        QVERIFY(!keys.contains(action->shortcut()));
        keys.append(action->shortcut());
    }
    QCOMPARE(keys.at(0), QKeySequence(Qt::ALT | Qt::Key_1));
    QCOMPARE(keys.at(9), QKeySequence(Qt::ALT | Qt::Key_0));
    QCOMPARE(MonitorWindow::dockShortcut(10), QKeySequence(Qt::ALT | Qt::SHIFT | Qt::Key_1));

    // The Rules dock (Alt+0), behind the Details tab: the key brings it to the front, again
    // hides it, again shows it; the window stays inside the screen.
    auto *rules = m_window->findChild<QDockWidget *>(u"rulesDock"_s);
    QVERIFY(rules->visibleRegion().isEmpty());
    QTest::keyClick(m_window.get(), Qt::Key_0, Qt::AltModifier);
    settle();
    QVERIFY(!rules->visibleRegion().isEmpty());
    QTest::keyClick(m_window.get(), Qt::Key_0, Qt::AltModifier);
    settle();
    QVERIFY(rules->isHidden());
    QTest::keyClick(m_window.get(), Qt::Key_0, Qt::AltModifier);
    settle();
    QVERIFY(!rules->visibleRegion().isEmpty());
    // The Handshake dock (Alt+9) likewise, and the window does not grow for it.
    const QSize before = m_window->size();
    QTest::keyClick(m_window.get(), Qt::Key_9, Qt::AltModifier);
    settle();
    QVERIFY(!m_window->findChild<QDockWidget *>(u"handshakeDock"_s)->visibleRegion().isEmpty());
    QCOMPARE(m_window->size(), before);
    const QStringList problems = layoutProblems();
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u"\n"_s)));
}

void tst_MonitorLayout::geometryRemembered()
{
    const QSize chosen(m_window->width() - 100, m_window->height() - 60);
    m_window->resize(chosen);
    settle();
    QCOMPARE(m_window->size(), chosen);
    m_window->close(); // saves the layout
    m_window = std::make_unique<MonitorWindow>();
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    settle();
    QCOMPARE(m_window->size(), chosen);
    const QStringList problems = layoutProblems();
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u"\n"_s)));
}

QTEST_MAIN(tst_MonitorLayout)
#include "tst_monitorlayout.moc"

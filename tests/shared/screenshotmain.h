// A main() for GUI tests whose file also makes the README's screenshots. Making pictures is no
// check, so it is no test function of the suite: it runs only when named on the command line,
//     SOCKSCOPE_SCREENSHOT_DIR=docs xvfb-run -a env QT_QPA_PLATFORM=xcb tst_x screenshots
// through ScreenshotObject, a subclass of the test class that adds the screenshots() slot (and
// so keeps the fixture: initTestCase(), init() and cleanup() run around it as before).
#pragma once

#include <QApplication>
#include <QTest>

#include <algorithm>

namespace TestShared {

// Whether the command line names the screenshots function.
inline bool screenshotsAsked(int argc, char *argv[])
{
    return std::any_of(argv + 1, argv + argc,
                       [](const char *arg) { return qstrcmp(arg, "screenshots") == 0; });
}

} // namespace TestShared

// As QTEST_MAIN(TestObject) for a widgets test, but `screenshots` on the command line runs
// ScreenshotObject instead.
#define SOCKSCOPE_TEST_MAIN_WITH_SCREENSHOTS(TestObject, ScreenshotObject) \
    int main(int argc, char *argv[]) \
    { \
        QApplication app(argc, argv); \
        app.setAttribute(Qt::AA_Use96Dpi, true); \
        QTEST_SET_MAIN_SOURCE_PATH \
        if (TestShared::screenshotsAsked(argc, argv)) { \
            ScreenshotObject shots; \
            return QTest::qExec(&shots, argc, argv); \
        } \
        TestObject tc; \
        return QTest::qExec(&tc, argc, argv); \
    }

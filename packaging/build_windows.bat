@echo off
rem Build the Windows bundle and installer on a Windows build PC (Python 3.11+, Inno Setup 6 installed).
rem   packaging\build_windows.bat      -> dist\memberdesk\ and dist\MemberDesk-Setup-<version>.exe
setlocal
cd /d "%~dp0\.."
if not exist .venv\Scripts\python.exe (
  py -3.11 -m venv .venv || exit /b 1
)
.venv\Scripts\python -m pip install -q -e ".[package]" || exit /b 1
for /f %%v in ('.venv\Scripts\python -c "import app; print(app.__version__)"') do set VERSION=%%v
for %%t in (resources\i18n\*.ts) do .venv\Scripts\pyside6-lrelease -silent "%%t" -qm "%%~dpnt.qm" || exit /b 1
.venv\Scripts\python -m PyInstaller --noconfirm --clean --distpath dist --workpath build\pyinstaller packaging\memberdesk.spec || exit /b 1
rem the windowed program writes its self-test report to %TEMP%\memberdesk-selftest.txt
start /wait "" dist\memberdesk\memberdesk.exe --self-test
if errorlevel 1 (
  type "%TEMP%\memberdesk-selftest.txt"
  echo self-test FAILED & exit /b 1
)
type "%TEMP%\memberdesk-selftest.txt"
set ISCC="%ProgramFiles(x86)%\Inno Setup 6\ISCC.exe"
if not exist %ISCC% set ISCC=iscc
%ISCC% /Qp /DAppVersion=%VERSION% packaging\memberdesk.iss || exit /b 1
echo built dist\MemberDesk-Setup-%VERSION%.exe
